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

    def signature_saved(self, lang: Lang, signature: Signature) -> Screen:
        """Confirm the signature that letters will now carry."""
        return Screen(self._msg(lang, "signature_saved", signature=signature.text or None))
