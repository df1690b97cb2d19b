"""Test support: one fake Telegram Bot API, reached two ways, and a harness for `painbot run`.

* ``botapi``: the model (chats, messages, the updates queue and its offsets, failure injection,
  photos), answering the Bot API methods the bot calls the way api.telegram.org does.
* ``offline``: a PTB ``BaseRequest`` answering from that model in-process, with update factories
  and an ``offline_bot`` harness around the real ``Application``.
* ``standin``: the same model behind an HTTP server on 127.0.0.1, for `painbot run` as a process.
* ``process``: start, watch and always stop `painbot run` against the stand-in.
* ``waiting``: wait on a condition with a deadline, never a fixed sleep.
* ``mini``: the mini content (tests/data/mini) and the one engine over it that tests share.
* ``content_edit``: change a copy of the mini content (its _matching.yaml keys) for one test.

Used by tests/ and benchmarks/, so it lives in neither.
"""
