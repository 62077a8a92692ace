// The chat without reloads: forms post with fetch, and /chats/<key>/state.json is polled every
// 2 seconds for new messages (README, "Chat": why polling rather than Server-Sent Events).
// Without this script every form posts and the page reloads.
(function () {
  "use strict";
  const POLL_MS = 2000;
  const section = document.getElementById("chat");
  if (!section) return;
  const log = document.getElementById("chat-log");
  let url = section.dataset.chatState;
  let seq = parseInt(section.dataset.chatSeq || "0", 10);
  let mode = section.dataset.chatMode || "";
  let busy = false;

  function add(message) {
    const li = document.createElement("li");
    li.className = "chat-msg chat-" + message.role;
    li.dataset.seq = message.seq;
    const who = document.createElement("div");
    who.className = "small text-muted";
    who.textContent = (message.role === "bot" ? section.dataset.botName || "Virtual agent" : message.author || "") +
      " · " + new Date(message.at).toLocaleString();
    const text = document.createElement("div");
    text.className = "chat-text";
    text.textContent = message.text;
    li.append(who, text);
    if (message.links.length) {
      const ul = document.createElement("ul");
      ul.className = "chat-links";
      for (const link of message.links) {
        const item = document.createElement("li");
        const a = document.createElement("a");
        a.href = link.url;
        a.textContent = link.title;
        item.append(a);
        ul.append(item);
      }
      li.append(ul);
    }
    log.append(li);
    log.scrollTop = log.scrollHeight;
  }

  function apply(state) {
    for (const message of state.messages || []) {
      if (message.seq > seq) {
        add(message);
        seq = message.seq;
      }
    }
    if (!state.state) return;
    const now = state.state + "/" + state.awaiting;
    if (now === mode) return;
    const queued = ["waiting/", "live/"];
    if (queued.includes(now) && queued.includes(mode)) {
      // Taken by an agent: the same forms, another line of status.
      const status = document.getElementById("chat-status");
      if (status && status.dataset.liveText) status.textContent = status.dataset.liveText;
      mode = now;
      return;
    }
    // Other buttons belong to the new state: the server renders them.
    window.location.reload();
  }

  async function poll() {
    if (!url || busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(url + "?after=" + seq, { headers: { Accept: "application/json" } });
      if (response.ok) apply(await response.json());
    } catch (e) {
      /* offline for a moment: the next poll tries again */
    } finally {
      busy = false;
    }
  }

  for (const form of document.querySelectorAll("form[data-chat-form]")) {
    form.addEventListener("submit", async function (event) {
      event.preventDefault();
      const data = new FormData(form);
      if (event.submitter && event.submitter.name) data.set(event.submitter.name, event.submitter.value);
      // getAttribute: a button named "action" shadows form.action.
      const response = await fetch(form.getAttribute("action") + "?after=" + seq, {
        method: "POST",
        body: data,
        headers: { Accept: "application/json" },
      });
      if (!response.ok) {
        window.location.reload();
        return;
      }
      const state = await response.json();
      const text = form.querySelector("textarea");
      if (text) text.value = "";
      const file = form.querySelector("input[type=file]");
      if (file) file.value = "";
      if (!url) {
        window.location.reload();
        return;
      }
      apply(state);
    });
  }
  if (url) window.setInterval(poll, POLL_MS);
})();
