"""Demo articles for ``itsm-init --demo``, in English and Russian, linked as translations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from itsm.kb import authoring
from itsm.tickets.context import ActionContext

RESET_GUIDE_EN = """\
Your password is the one for your computer, mail, VPN and this service desk: changing it
changes it everywhere.

## You know your current password

1. Open the service desk and log in.
2. Open **My profile** in the menu bar and choose **Change password**.
3. Type your current password, then the new one twice.
4. Press **Save**. Use the new password everywhere from now on, including on your phone.

## You forgot your password

1. On the login page, click **Forgot password?**
2. Type your login (the part of your mail address before the `@`).
3. Open the mail we send to your company address and follow the link within 15 minutes.
   The link works once.
4. Choose a new password. All your other sessions are logged out.

## A good password

- At least 12 characters; a short sentence you can remember works well.
- Not one you used here before, and not one you use on other sites.

If you cannot read your mail (for example you are locked out of your laptop), call the
service desk: we will check who you are and set a temporary password.
"""

RESET_GUIDE_RU = """\
Пароль один для компьютера, почты, VPN и этой службы поддержки: смените его здесь — он
сменится везде.

## Вы помните текущий пароль

1. Откройте службу поддержки и войдите.
2. В верхнем меню откройте **Мой профиль** и выберите **Сменить пароль**.
3. Введите текущий пароль и дважды новый.
4. Нажмите **Сохранить**. Дальше используйте новый пароль везде, в том числе на телефоне.

## Вы забыли пароль

1. На странице входа нажмите **Забыли пароль?**
2. Введите логин (часть адреса почты до `@`).
3. Откройте письмо на рабочий адрес и перейдите по ссылке в течение 15 минут. Ссылка
   срабатывает один раз.
4. Придумайте новый пароль. Все остальные ваши сеансы будут завершены.

## Хороший пароль

- Не короче 12 символов; короткая фраза, которую легко запомнить, подходит лучше всего.
- Не тот, что вы уже использовали здесь, и не тот, что вы используете на других сайтах.

Если почта недоступна (например, вы не можете войти в ноутбук), позвоните в службу
поддержки: мы проверим, кто вы, и выдадим временный пароль.
"""

VPN_WINDOWS_EN = """\
The VPN lets you reach company systems (file shares, the intranet, accounting) from home or
on a trip. You need your company login and password.

1. Open **Software Center** (Start menu → type *Software Center*) and install
   **OpenVPN Connect**. No admin rights needed.
2. Open <https://vpn.example.com> in a browser, log in with your company account and click
   **Download profile for this computer**. You get a file `company-vpn.ovpn`.
3. Start **OpenVPN Connect**, choose **Upload file** → **Browse**, pick `company-vpn.ovpn`
   and press **Connect**.
4. Type your company login and password. Approve the sign-in on your phone if asked.
5. The icon in the notification area turns green: you are connected. Try
   <https://intranet.example.com>.

To disconnect, click the icon and choose **Disconnect**. The profile is valid for one year;
the client warns you two weeks before it expires (repeat step 2).

Does it say *authentication failed*? See the article about that error.
"""

VPN_WINDOWS_RU = """\
VPN даёт доступ к системам компании (общие папки, интранет, бухгалтерия) из дома или из
командировки. Нужны рабочие логин и пароль.

1. Откройте **Центр программного обеспечения** (меню «Пуск» → наберите *Software Center*) и
   установите **OpenVPN Connect**. Права администратора не нужны.
2. Откройте в браузере <https://vpn.example.com>, войдите рабочей учётной записью и нажмите
   **Скачать профиль для этого компьютера**. Сохранится файл `company-vpn.ovpn`.
3. Запустите **OpenVPN Connect**, выберите **Upload file** → **Browse**, укажите
   `company-vpn.ovpn` и нажмите **Connect**.
4. Введите рабочие логин и пароль. Если попросит — подтвердите вход на телефоне.
5. Значок в области уведомлений стал зелёным — подключение есть. Проверьте
   <https://intranet.example.com>.

Чтобы отключиться, нажмите на значок и выберите **Disconnect**. Профиль действует год; за
две недели до окончания программа предупредит — повторите шаг 2.

Пишет *authentication failed*? См. статью про эту ошибку.
"""

VPN_MAC_EN = """\
1. Open **Self Service** (in Applications) and install **OpenVPN Connect**.
2. Open <https://vpn.example.com> in Safari, log in and click **Download profile for this
   computer**. The file `company-vpn.ovpn` lands in Downloads.
3. Start **OpenVPN Connect**, choose **Upload file**, drag `company-vpn.ovpn` onto the window
   and press **Connect**.
4. macOS asks to allow a VPN configuration the first time: click **Allow** and enter your
   Mac password.
5. Type your company login and password; approve the sign-in on your phone if asked.
6. The menu bar icon shows **Connected**. Try <https://intranet.example.com>.

If the connection drops when the Mac sleeps, open OpenVPN Connect → **Settings** and turn
on **Reconnect on wake**.
"""

VPN_MAC_RU = """\
1. Откройте **Self Service** (в папке «Программы») и установите **OpenVPN Connect**.
2. Откройте в Safari <https://vpn.example.com>, войдите и нажмите **Скачать профиль для
   этого компьютера**. Файл `company-vpn.ovpn` окажется в «Загрузках».
3. Запустите **OpenVPN Connect**, выберите **Upload file**, перетащите `company-vpn.ovpn` в
   окно и нажмите **Connect**.
4. При первом подключении macOS попросит разрешить конфигурацию VPN: нажмите
   **Разрешить** и введите пароль от Mac.
5. Введите рабочие логин и пароль; если попросит — подтвердите вход на телефоне.
6. Значок в строке меню показывает **Connected**. Проверьте <https://intranet.example.com>.

Если связь пропадает после сна, в OpenVPN Connect откройте **Settings** и включите
**Reconnect on wake**.
"""

VPN_LINUX_EN = """\
These steps are for Ubuntu and Debian with GNOME; other desktops have the same settings in
their network manager.

1. Install the OpenVPN plugin of NetworkManager:

   ```
   sudo apt install network-manager-openvpn-gnome
   ```

2. Open <https://vpn.example.com>, log in and download the profile `company-vpn.ovpn`.
3. Open **Settings → Network**, click **+** next to **VPN** and choose **Import from
   file…**. Pick `company-vpn.ovpn`.
4. Enter your company login as **User name**, leave the password as *Ask every time* and
   click **Add**.
5. Switch the VPN on in the network menu (top right) and type your password.

From a terminal: `nmcli connection up company-vpn --ask`.
If the connection comes up but names such as `intranet.example.com` do not resolve, run
`resolvectl status` and report the output in an incident.
"""

VPN_LINUX_RU = """\
Инструкция для Ubuntu и Debian с GNOME; в других окружениях те же настройки есть в их
менеджере сети.

1. Установите модуль OpenVPN для NetworkManager:

   ```
   sudo apt install network-manager-openvpn-gnome
   ```

2. Откройте <https://vpn.example.com>, войдите и скачайте профиль `company-vpn.ovpn`.
3. Откройте **Параметры → Сеть**, нажмите **+** рядом с **VPN** и выберите
   **Импортировать из файла…**. Укажите `company-vpn.ovpn`.
4. В поле **Имя пользователя** введите рабочий логин, пароль оставьте «Спрашивать каждый
   раз» и нажмите **Добавить**.
5. Включите VPN в сетевом меню (справа вверху) и введите пароль.

Из терминала: `nmcli connection up company-vpn --ask`.
Если подключение есть, а имена вроде `intranet.example.com` не находятся, выполните
`resolvectl status` и приложите вывод к обращению.
"""

VPN_PHONE_EN = """\
Company mail and chat work without the VPN; you need it on the phone only for the intranet
and internal web systems.

## iPhone and iPad

1. Install **OpenVPN Connect** from the App Store.
2. Open <https://vpn.example.com> in Safari, log in and tap **Download profile for this
   phone**. Choose **Open in OpenVPN**.
3. Tap **Add**, then **Allow** when iOS asks to add a VPN configuration.
4. Switch the profile on and type your company password.

## Android

1. Install **OpenVPN Connect** from Google Play (on a work profile: from the work Play
   Store).
2. Open <https://vpn.example.com> in Chrome, log in and tap **Download profile for this
   phone**.
3. In OpenVPN Connect tap **+** → **Upload file** → **Browse**, pick the profile and tap
   **Import**.
4. Switch the profile on, type your company password and allow the VPN connection.

Switch the VPN off when you no longer need it: it uses battery.
"""

VPN_PHONE_RU = """\
Рабочая почта и чат работают без VPN; на телефоне он нужен только для интранета и
внутренних веб-систем.

## iPhone и iPad

1. Установите **OpenVPN Connect** из App Store.
2. Откройте в Safari <https://vpn.example.com>, войдите и нажмите **Скачать профиль для
   этого телефона**. Выберите **Открыть в OpenVPN**.
3. Нажмите **Add**, затем **Разрешить**, когда iOS спросит о добавлении конфигурации VPN.
4. Включите профиль и введите рабочий пароль.

## Android

1. Установите **OpenVPN Connect** из Google Play (в рабочем профиле — из рабочего
   Play Маркета).
2. Откройте в Chrome <https://vpn.example.com>, войдите и нажмите **Скачать профиль для
   этого телефона**.
3. В OpenVPN Connect нажмите **+** → **Upload file** → **Browse**, выберите профиль и
   нажмите **Import**.
4. Включите профиль, введите рабочий пароль и разрешите VPN-подключение.

Выключайте VPN, когда он не нужен: он расходует батарею.
"""

PHONE_MAIL_EN = """\
Company mail on a phone needs the phone to be registered, so that a lost phone can be
wiped of company data (only the company data: your photos stay yours).

1. Install **Company Portal** (App Store or Google Play) and sign in with your company
   mail address and password.
2. Follow the steps it shows: accept the device terms and, on Android, create the work
   profile. This takes about five minutes.
3. Set a screen lock of at least six digits if you have none: registration asks for it.
4. Install **Outlook** (on Android: from the work Play Store, the apps with the briefcase
   icon) and sign in with your company address.
5. Mail, calendar and contacts appear within a few minutes.

Getting a new phone? Remove the old one in Company Portal → **Devices** → **Remove**
before you hand it on, and register the new one with the steps above.
"""

PHONE_MAIL_RU = """\
Чтобы читать рабочую почту на телефоне, телефон нужно зарегистрировать: тогда с
потерянного телефона можно удалить данные компании (только их — ваши фото остаются вашими).

1. Установите **Company Portal** (App Store или Google Play) и войдите с рабочим адресом
   почты и паролем.
2. Пройдите показанные шаги: примите условия и, на Android, создайте рабочий профиль.
   Это займёт около пяти минут.
3. Если блокировки экрана нет, установите код не короче шести цифр: регистрация его
   потребует.
4. Установите **Outlook** (на Android — из рабочего Play Маркета, приложения со значком
   портфеля) и войдите с рабочим адресом.
5. Почта, календарь и контакты появятся через несколько минут.

Меняете телефон? Удалите старый в Company Portal → **Устройства** → **Удалить** до того,
как отдадите его, и зарегистрируйте новый по шагам выше.
"""

PRINTER_EN = """\
All office printers print through one queue, **FollowMe**: you print from any computer and
collect the pages at any printer by touching your badge on it.

## Windows

1. Open **Settings → Bluetooth & devices → Printers & scanners → Add device**.
2. Wait a moment, click **Add manually**, choose **Select a shared printer by name** and
   type `\\\\print.example.com\\FollowMe`.
3. Click **Next** and **Finish**. The driver installs by itself.

## macOS

1. Open **Self Service** and run **Add FollowMe printer**.
2. Print, and type your company login and password when asked the first time; tick
   **Remember this password in my keychain**.

## At the printer

Touch your badge on the reader; your jobs are listed. Print them all or pick some. Jobs not
collected within 24 hours are deleted.

The printer says *paper jam* but there is none, or it prints blank pages? Report an
incident with the printer's name (the sticker on the front).
"""

PRINTER_RU = """\
Все офисные принтеры печатают через одну очередь **FollowMe**: отправляйте печать с любого
компьютера и забирайте листы на любом принтере, приложив пропуск.

## Windows

1. Откройте **Параметры → Bluetooth и устройства → Принтеры и сканеры → Добавить
   устройство**.
2. Подождите, нажмите **Добавить вручную**, выберите **Выбрать общий принтер по имени** и
   введите `\\\\print.example.com\\FollowMe`.
3. Нажмите **Далее** и **Готово**. Драйвер установится сам.

## macOS

1. Откройте **Self Service** и запустите **Add FollowMe printer**.
2. При первой печати введите рабочие логин и пароль и отметьте **Запомнить пароль в
   связке ключей**.

## У принтера

Приложите пропуск к считывателю — появится список ваших заданий. Напечатайте все или
выберите нужные. Задания, не забранные за 24 часа, удаляются.

Принтер пишет «Замятие бумаги», а бумаги нет, или печатает пустые листы? Сообщите об
инциденте и укажите имя принтера (наклейка спереди).
"""

VPN_AUTH_EN = """\
*Authentication failed* means the VPN server did not accept your login. Check, in this
order:

1. **Your password changed recently?** The VPN client may have saved the old one. In
   OpenVPN Connect open the profile → **Edit** → clear **Save password**, then connect
   and type the new password.
2. **Caps Lock or the keyboard language.** Type the password in the login field of the
   client, not from a password manager, and check the keyboard layout (EN/RU).
3. **Login, not mail address.** Use `ivanov`, not `ivanov@example.com`.
4. **The confirmation on your phone.** If you do not approve it within 60 seconds, the
   VPN reports authentication failed. Open the authenticator app and try again.
5. **Is your account locked?** Five wrong passwords lock it for 15 minutes. Wait, or reset
   your password (see *How to reset my password*).
6. **Expired profile.** Profiles are valid for one year: download a new one from
   <https://vpn.example.com>.

Still failing? Report an incident with the time you tried and a screenshot of the message.
"""

VPN_AUTH_RU = """\
*Authentication failed* значит, что VPN-сервер не принял ваш вход. Проверьте по порядку:

1. **Недавно меняли пароль?** Программа могла сохранить старый. В OpenVPN Connect откройте
   профиль → **Edit** → снимите **Save password**, подключитесь и введите новый пароль.
2. **Caps Lock или раскладка.** Введите пароль вручную в окне программы, а не из
   менеджера паролей, и проверьте раскладку клавиатуры (EN/RU).
3. **Логин, а не адрес почты.** Вводите `ivanov`, а не `ivanov@example.com`.
4. **Подтверждение на телефоне.** Если не подтвердить вход за 60 секунд, VPN сообщит об
   ошибке входа. Откройте приложение-аутентификатор и попробуйте снова.
5. **Учётная запись заблокирована?** После пяти неверных паролей она блокируется на
   15 минут. Подождите или сбросьте пароль (см. «Как сбросить пароль»).
6. **Истёк профиль.** Профиль действует год: скачайте новый на <https://vpn.example.com>.

Не помогло? Сообщите об инциденте: укажите время попытки и приложите снимок экрана с
ошибкой.
"""

#: (English title, English body, Russian title, Russian body, category, tags, owner)
ARTICLES = (
    (
        "How to reset my password",
        RESET_GUIDE_EN,
        "Как сбросить пароль",
        RESET_GUIDE_RU,
        "access",
        ("password", "account"),
        "agent",
    ),
    (
        "Connect to the VPN on Windows",
        VPN_WINDOWS_EN,
        "Подключение к VPN в Windows",
        VPN_WINDOWS_RU,
        "network",
        ("vpn", "windows", "remote work"),
        "agent2",
    ),
    (
        "Connect to the VPN on macOS",
        VPN_MAC_EN,
        "Подключение к VPN в macOS",
        VPN_MAC_RU,
        "network",
        ("vpn", "macos", "remote work"),
        "agent2",
    ),
    (
        "Connect to the VPN on Linux",
        VPN_LINUX_EN,
        "Подключение к VPN в Linux",
        VPN_LINUX_RU,
        "network",
        ("vpn", "linux", "remote work"),
        "agent2",
    ),
    (
        "Connect to the VPN on a phone",
        VPN_PHONE_EN,
        "Подключение к VPN на телефоне",
        VPN_PHONE_RU,
        "network",
        ("vpn", "phone", "ios", "android"),
        "agent2",
    ),
    (
        "Register a new phone for company mail",
        PHONE_MAIL_EN,
        "Регистрация нового телефона для рабочей почты",
        PHONE_MAIL_RU,
        "email",
        ("phone", "mail", "outlook"),
        "agent",
    ),
    (
        "Set up a printer",
        PRINTER_EN,
        "Настройка принтера",
        PRINTER_RU,
        "hardware",
        ("printer", "followme"),
        "agent",
    ),
    (
        "What to do when the VPN says 'authentication failed'",
        VPN_AUTH_EN,
        "Что делать, если VPN пишет «authentication failed»",
        VPN_AUTH_RU,
        "network",
        ("vpn", "password", "error"),
        "agent2",
    ),
)


def load_kb_demo(root: Any, registry: Any = None) -> list[str]:
    """Publish the demo articles in both languages, each linked to its translation."""
    if len(root["kb"]):
        return []
    now = datetime.now(UTC)
    created = []
    for title_en, body_en, title_ru, body_ru, category, tags, owner in ARTICLES:
        if owner not in root["people"]:
            owner = None
        ctx = ActionContext(root, registry, now, owner, frozenset({"agent"}))
        pair = []
        for language, title, body in (("en", title_en, body_en), ("ru", title_ru, body_ru)):
            fields = {
                "title": title,
                "body": body,
                "category": category,
                "tags": tags,
                "language": language,
                "audience": "everyone",
                "owner": owner,
                "review_date": (now + timedelta(days=365)).date(),
            }
            article = authoring.create_article(ctx, fields, number=authoring.demo_number(root))
            authoring.transition(ctx, article, "publish")
            pair.append(article)
            created.append(f"article {article.number}")
        authoring.link_translation(root, pair[1], pair[0].number)
    return created
