"""Before any channel that identifies the sender, supporters read what it reveals and what to do.

A signature is not all officials see: the address an email comes from, the account under a
tweet or a Facebook comment, the number that calls or faxes, the return address on an
envelope. The note is on the official's screen (every channel is chosen there) and each
channel says what it reveals, in both languages, whatever the supporter's path.
"""

from __future__ import annotations

import pytest

from bot.content.models import Channel
from tests.harness import BotUnderTest, load_real_content

OFFICIAL_NOTE = {
    "en": ("Officials see more than your signature", "ask the Amnesty office"),
    "ru": ("Адресаты увидят не только подпись", "посоветуйтесь с отделением Amnesty"),
}
# What each channel reveals, and the way around it.
CHANNEL_NOTES = {
    "en": {
        Channel.EMAIL: ("the address you send from", "separate address"),
        Channel.TWEET: ("shows your X account", "account that does not identify you"),
        Channel.FACEBOOK: ("your Facebook name and profile", "another way"),
        Channel.PHONE: ("your number", "do not call from your own number"),
        Channel.FAX: ("the sender's number", "do not fax from your own"),
        Channel.POST: ("return address", "need not be your own"),
    },
    "ru": {
        Channel.EMAIL: ("адрес, с которого вы пишете", "с отдельного адреса"),
        Channel.TWEET: ("виден ваш аккаунт в X", "с аккаунта, по которому вас нельзя узнать"),
        Channel.FACEBOOK: ("ваши имя и профиль в Facebook", "другой способ"),
        Channel.PHONE: ("ваш номер", "не звоните со своего номера"),
        Channel.FAX: ("номер отправителя", "не отправляйте факс со своего"),
        Channel.POST: ("обратный адрес", "не обязательно должен быть вашим"),
    },
}


def test_every_channel_has_its_note() -> None:
    assert set(CHANNEL_NOTES["en"]) == set(Channel)


@pytest.mark.parametrize("lang", ["en", "ru"])
async def test_every_official_and_channel_carries_the_note(bot: BotUnderTest, lang: str) -> None:
    case = load_real_content().cases["ua-31-22"]
    user = bot.user(3200 if lang == "en" else 3201, language_code=lang)
    for official in case.case.officials:
        await user.send("/start")
        name = official.name.get(lang) or official.name["en"]
        [screen] = await user.click(name.split()[-1])
        text = " ".join(screen.text.split())
        for words in OFFICIAL_NOTE[lang]:
            assert words in text, (official.id, words)
        for channel in official.channels:
            label = {
                Channel.EMAIL: "✉️",
                Channel.TWEET: "🐦",
                Channel.POST: "📮",
                Channel.FAX: "📠",
                Channel.PHONE: "📞",
                Channel.FACEBOOK: "👍",
            }[channel]
            shown = await user.click(label, screen)
            if any("Без подписи" in m.button_texts or "Unsigned" in m.button_texts for m in shown):
                shown = await user.click("Без подписи" if lang == "ru" else "Unsigned")
            page = " ".join(shown[-1].text.split())
            for words in CHANNEL_NOTES[lang][channel]:
                assert words in page, (official.id, channel, words)
            [screen] = await user.click("⬅️", shown[-1])
