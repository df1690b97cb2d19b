"""Speed and memory benchmarks, run as scripts (`python benchmarks/core.py`).

A package so that mypy names benchmarks/telegram.py `benchmarks.telegram`, apart from python-telegram-bot.
"""
