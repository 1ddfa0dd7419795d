"""The offline language detector."""

from __future__ import annotations

import pytest

from sparring.evaluation.language import detect_language, language_code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Hello, how can I help you today?", "en"),
        ("Your appointment is confirmed for Tuesday.", "en"),
        ("Hola, ¿en qué puedo ayudarle?", "es"),
        ("Su cita está confirmada para el martes.", "es"),
        ("Bonjour, comment puis-je vous aider ?", "fr"),
        ("Votre rendez-vous est confirmé pour mardi.", "fr"),
        ("Guten Tag, wie kann ich Ihnen helfen?", "de"),
        ("Ihr Termin ist für Dienstag bestätigt.", "de"),
        ("Buongiorno, come posso aiutarla?", "it"),
        ("Il suo appuntamento è confermato per martedì.", "it"),
        ("Olá, como posso ajudar você hoje?", "pt"),
        ("A sua consulta está confirmada para terça-feira.", "pt"),
        ("Gracias.", "es"),
        ("Goodbye, see jane@example.com or https://example.com.br/com/um", None),
        ("", None),
        ("12345 !!!", None),
        ("Tokyo Osaka Kyoto", None),
    ],
)
def test_detect_language(text: str, code: str | None) -> None:
    assert detect_language(text) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Spanish", "es"),
        ("español", "es"),
        ("FR", "fr"),
        ("pt-BR", "pt"),
        ("Deutsch", "de"),
        ("Klingon", None),
    ],
)
def test_language_code(name: str, code: str | None) -> None:
    assert language_code(name) == code
