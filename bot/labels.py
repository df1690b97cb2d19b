"""Labels a message can carry besides the content's own intent ids, named once for every layer."""

from __future__ import annotations

# The safety kinds an evaluation file may expect: the safety layer answers these before any intent.
# `crisis` is a message about self-harm or suicide; `emergency` one that needs emergency care now.
CRISIS = "crisis"
EMERGENCY = "emergency"
SAFETY_KINDS: tuple[str, ...] = (CRISIS, EMERGENCY)
