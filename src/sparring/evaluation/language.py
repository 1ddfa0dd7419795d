"""A small offline language detector (stop words + letters) for en, es, fr, de, it, pt.

Good enough to tell which of six languages a chat reply is in; it answers None for text too
short or too mixed to call, so a check built on it is inconclusive rather than wrong.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
}


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP_WORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "the and is are you your to of in it that this for with have has be will can i we my me "
        "what how please thank thanks yes not do does would could there here at on an was were "
        "our they he she his her them which when where who why hello hi help today about "
        "from just sure okay let know need want"
    ),
    "es": _words(
        "el la los las de que y en un una es por para con no su sus se lo le al del como más "
        "pero sí muy usted ustedes gracias hola está estoy tiene puedo puede quiero cita bueno "
        "buenos días ayudar también favor nos mi tu qué cómo cuándo dónde hay esta este eso "
        "ya señor señora claro ahora necesita"
    ),
    "fr": _words(
        "le la les de des du et est un une je vous nous il elle que qui pas ne pour dans sur "
        "avec ce cette mais oui non merci bonjour votre vos mon ma au aux être avez suis sont "
        "très plus peux pouvez c j qu aujourd hui rendez monsieur madame aider bien voulez "
        "voudrais êtes"
    ),
    "de": _words(
        "der die das und ist ich sie nicht ein eine einen zu mit den dem des für auf es wir "
        "ihr ihre ihnen bitte danke ja nein haben habe hat sind bin wie was kann können gerne "
        "termin auch noch oder aber wenn guten tag hallo vielen dank mein sehr um von im gibt "
        "heute möchten möchte helfen"
    ),
    "it": _words(
        "il lo la gli le di che e è un una per con non sono mi ti si ci del della dei delle al "
        "alla ma come grazie buongiorno sì posso può vorrei anche molto ho ha hanno suo sua "
        "questo questa perché appuntamento prego ciao va bene oggi aiutarla signore signora"
    ),
    "pt": _words(
        "o os as de que e do da dos das em um uma para com não por seu sua você vocês obrigado "
        "obrigada olá sim está estou tem posso pode quero também muito no na nos nas ao pelo "
        "pela eu isso isto bom dia ajudar consulta hoje senhor senhora claro então"
    ),
}

# Letters (and marks) that only some of the six languages use; each is worth a stop word.
_LETTERS: dict[str, str] = {
    "ñ": "es",
    "¿": "es",
    "¡": "es",
    "ã": "pt",
    "õ": "pt",
    "ß": "de",
    "ä": "de",
    "ö": "de",
    "ü": "de",
    "œ": "fr",
    "ê": "fr",
    "î": "fr",
    "û": "fr",
    "ù": "fr",
    "ì": "it",
    "ò": "it",
}

_WORD = re.compile(r"[^\W\d_]+")
_NOT_PROSE = re.compile(r"\S+@\S+|\w+://\S+|www\.\S+")  # addresses are no language
_MIN_SCORE = 1.5
_MIN_LEAD = 1.25

_NAMES: dict[str, str] = {
    **{code: code for code in LANGUAGES},
    **{name.lower(): code for code, name in LANGUAGES.items()},
    "español": "es",
    "espanol": "es",
    "castilian": "es",
    "castellano": "es",
    "français": "fr",
    "francais": "fr",
    "deutsch": "de",
    "italiano": "it",
    "português": "pt",
    "portugues": "pt",
    "brazilian portuguese": "pt",
    "american english": "en",
    "british english": "en",
}


def language_code(name: str) -> str | None:
    """The code ("es") of a supported language given by name or code ("Spanish", "es")."""
    key = " ".join(name.lower().split())
    return _NAMES.get(key) or _NAMES.get(key.split("-")[0].split("_")[0])


def detect_language(text: str) -> str | None:
    """The code of the language `text` is in, or None when it cannot tell."""
    ranked = sorted(language_scores(text).items(), key=lambda item: -item[1])[:2]
    if not ranked:
        return None
    (best, score), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    # One unshared word ("Gracias.") is enough when no other language scores at all.
    if runner_up == 0.0 and score >= 1.0:
        return best
    if score < _MIN_SCORE or score < runner_up * _MIN_LEAD:
        return None
    return best


def language_scores(text: str) -> dict[str, float]:
    """How strongly `text` looks like each language (stop words shared by k languages count 1/k)."""
    lowered = _NOT_PROSE.sub(" ", unicodedata.normalize("NFC", text.lower()))
    scores: defaultdict[str, float] = defaultdict(float)
    for word in _WORD.findall(lowered):
        owners = [code for code, words in _STOP_WORDS.items() if word in words]
        for code in owners:
            scores[code] += 1 / len(owners)
    for char in lowered:
        if char in _LETTERS:
            scores[_LETTERS[char]] += 1
    return dict(scores)
