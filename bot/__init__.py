"""Telegram bot for Amnesty International Urgent Actions."""
