"""CMU phones to mouth shapes (visemes) in ARKit blendshapes, with dominance for coarticulation.

Each viseme is a target expression and a dominance: how strongly the phone holds its shape
against its neighbours (Cohen & Massaro). Bilabials dominate completely: lips always close on
m, b, p. Silence is the mouth at rest, closed.
"""

from __future__ import annotations

SHAPES: dict[str, tuple[dict[str, float], float]] = {
    "rest": ({}, 0.6),
    "bilabial": ({"mouthPressLeft": 0.35, "mouthPressRight": 0.35, "mouthRollLower": 0.1,
                  "mouthRollUpper": 0.1}, 2.0),
    "labiodental": ({"jawOpen": 0.08, "mouthRollLower": 0.55, "mouthUpperUpLeft": 0.2, "mouthUpperUpRight": 0.2}, 2.0),
    "open": ({"jawOpen": 0.6, "mouthLowerDownLeft": 0.25, "mouthLowerDownRight": 0.25}, 1.0),
    "mid": ({"jawOpen": 0.4, "mouthStretchLeft": 0.25, "mouthStretchRight": 0.25, "mouthLowerDownLeft": 0.15,
             "mouthLowerDownRight": 0.15}, 1.0),
    "spread": ({"jawOpen": 0.2, "mouthStretchLeft": 0.45, "mouthStretchRight": 0.45, "mouthSmileLeft": 0.12,
                "mouthSmileRight": 0.12}, 1.0),
    "round": ({"jawOpen": 0.25, "mouthPucker": 0.55, "mouthFunnel": 0.45}, 1.3),
    # Close rounded vowels (oo): a small opening between pursed lips, the jaw only a little open.
    "close_round": ({"jawOpen": 0.12, "mouthPucker": 0.7, "mouthFunnel": 0.35, "mouthClose": 0.3}, 1.3),
    # w: a labial glide, lips pursed to a narrow opening over an almost closed jaw.
    "glide": ({"jawOpen": 0.06, "mouthPucker": 0.75, "mouthFunnel": 0.25, "mouthClose": 1.0}, 1.5),
    "rhotic": ({"jawOpen": 0.18, "mouthFunnel": 0.35, "mouthPucker": 0.2}, 1.0),
    "postalveolar": ({"jawOpen": 0.12, "mouthFunnel": 0.55, "mouthPucker": 0.25}, 1.2),
    "dental": ({"jawOpen": 0.18, "mouthStretchLeft": 0.1, "mouthStretchRight": 0.1}, 0.7),
    "alveolar": ({"jawOpen": 0.14, "mouthStretchLeft": 0.12, "mouthStretchRight": 0.12}, 0.6),
    "velar": ({"jawOpen": 0.22}, 0.5),
}

PHONE_SHAPE = {
    "SIL": "rest",
    "P": "bilabial", "B": "bilabial", "M": "bilabial",
    "F": "labiodental", "V": "labiodental",
    "AA": "open", "AE": "open", "AH": "open", "AO": "open", "AW": "open", "AY": "open",
    "EH": "mid", "EY": "mid",
    "IH": "spread", "IY": "spread", "Y": "spread",
    "OW": "round", "UW": "close_round", "UH": "close_round", "OY": "round", "W": "glide",
    "ER": "rhotic", "R": "rhotic",
    "SH": "postalveolar", "ZH": "postalveolar", "CH": "postalveolar", "JH": "postalveolar",
    "TH": "dental", "DH": "dental",
    "S": "alveolar", "Z": "alveolar", "T": "alveolar", "D": "alveolar", "N": "alveolar", "L": "alveolar",
    "K": "velar", "G": "velar", "NG": "velar", "HH": "velar",
}

VOWEL_SHAPES = ("open", "mid", "spread", "round", "close_round")
OPEN_VOWELS = ("AA", "AE", "AH", "AO", "AW", "AY", "EH", "EY", "OW")
BILABIALS = ("M", "B", "P")


def shape_of(phone: str) -> str:
    return PHONE_SHAPE.get(phone.upper().rstrip("012"), "alveolar")
