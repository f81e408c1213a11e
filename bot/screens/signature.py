"""Screens of signing: how to sign, typing a name or city, the signature saved."""

from __future__ import annotations

from bot.content.models import Lang
from bot.content.signature import Signature
from bot.screens.base import ScreenBase
from bot.screens.callbacks import Action, Target
from bot.screens.screen import Screen, button
from bot.storage.supporters import PendingStep


class SignatureScreens(ScreenBase):
    """Choosing and typing a signature."""

    def signature_question(
        self, lang: Lang, current: Signature | None, target: Target | None
    ) -> Screen:
        """How to sign, with the safety note; the target is where to go once chosen."""
        rest = target.args() if target else ()
        keyboard = [
            [button(self._btn(lang, f"sign_{mode}"), Action.SIGN, mode, *rest)]
            for mode in ("name", "initials", "none")
        ]
        current_text = current.text if current and current.text else None
        text = self._msg(
            lang,
            "signature_question",
            has_current=current is not None,
            current=current_text,
        )
        return Screen(text, keyboard)

    def ask_text(self, lang: Lang, step: PendingStep) -> Screen:
        """Ask the supporter to type their name, initials or city."""
        return Screen(self._msg(lang, f"ask_{step}"))

    def input_refused(self, lang: Lang, limit: int | None = None) -> Screen:
        """Typed text that cannot sign a letter: nothing readable, or over `limit` characters.

        A long name is never cut silently: the supporter decides how to shorten it.
        """
        if limit is not None:
            return Screen(self._msg(lang, "too_long", limit=limit))
        return Screen(self._msg(lang, "empty_input"))

    def signature_saved(self, lang: Lang, signature: Signature, *, go_on: bool = False) -> Screen:
        """Confirm the signature that letters will now carry.

        `go_on`: nothing follows (the signature was changed with /signature, not on the way
        to a letter), so the message carries the way back to the cases.
        """
        text = self._msg(lang, "signature_saved", signature=signature.text or None)
        keyboard = [[button(self._btn(lang, "menu"), Action.MENU)]] if go_on else []
        return Screen(text, keyboard)
