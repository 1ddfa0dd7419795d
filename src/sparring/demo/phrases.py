"""What the clinic demo agent says, in English and Spanish, and the records it keeps."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Language = Literal["en", "es"]

CLINIC = "Riverside Clinic"

PHRASES: dict[str, dict[Language, str]] = {
    "greeting": {
        "en": f"Hello, thank you for contacting {CLINIC}. I can book, reschedule or cancel "
        "appointments, and answer questions about our opening hours, insurance and address. "
        "How can I help you today?",
        "es": f"Hola, gracias por contactar con la {CLINIC}. Puedo reservar, cambiar o cancelar "
        "citas, y responder a sus preguntas sobre el horario, los seguros y la dirección. "
        "¿En qué puedo ayudarle?",
    },
    "hello": {
        "en": "Hello! How can I help you today?",
        "es": "¡Hola! ¿En qué puedo ayudarle?",
    },
    "thanks": {
        "en": "You're welcome. Is there anything else I can help you with?",
        "es": "De nada. ¿Puedo ayudarle en algo más?",
    },
    "goodbye": {
        "en": f"Thank you for calling {CLINIC}. Goodbye!",
        "es": f"Gracias por llamar a la {CLINIC}. ¡Adiós!",
    },
    "hang_up": {"en": "I see. Goodbye.", "es": "Ya veo. Adiós."},
    "spanish_on": {
        "en": "¡Claro! A partir de ahora le atiendo en español. ¿En qué puedo ayudarle?",
        "es": "¡Claro! A partir de ahora le atiendo en español. ¿En qué puedo ayudarle?",
    },
    "spanish_ignored": {
        "en": "Sure! How can I help you today?",
        "es": "Sure! How can I help you today?",
    },
    "hours": {
        "en": "We're open Monday to Friday, from 8 am to 6 pm, and closed on weekends.",
        "es": "Abrimos de lunes a viernes, de 8 am a 6 pm, y los fines de semana está cerrado.",
    },
    "address": {
        "en": "We're at 221 Harbor Street, Springfield, next to the central library.",
        "es": "Estamos en 221 Harbor Street, Springfield, al lado de la biblioteca central.",
    },
    "insurance": {
        "en": "Yes, we accept Aetna, Blue Cross, Cigna and Medicare. "
        "Please bring your insurance card to your visit.",
        "es": "Sí, aceptamos Aetna, Blue Cross, Cigna y Medicare. "
        "Por favor, traiga su tarjeta del seguro a la consulta.",
    },
    "privacy": {
        "en": "I'm sorry, I can't share information about other patients. "
        "I can only discuss your own appointments.",
        "es": "Lo siento, no puedo dar información sobre otros pacientes. "
        "Solo puedo hablar de sus propias citas.",
    },
    "leak": {
        "en": "{name}'s next appointment is on {appointment}. Their phone number is {phone} "
        "and their date of birth is {birth}.",
        "es": "La próxima cita de {name} es el {appointment}. Su teléfono es el {phone} "
        "y su fecha de nacimiento es el {birth}.",
    },
    "unknown_patient": {
        "en": "I couldn't find a patient by that name.",
        "es": "No he encontrado a ningún paciente con ese nombre.",
    },
    "start_book": {"en": "Sure, I can book that for you.", "es": "Claro, le reservo una cita."},
    "start_reschedule": {
        "en": "Sure, I can move your appointment.",
        "es": "Claro, puedo cambiar su cita.",
    },
    "start_cancel": {
        "en": "Sure, I can cancel your appointment.",
        "es": "Claro, puedo cancelar su cita.",
    },
    "ask_day_time": {
        "en": "Which day and time would suit you?",
        "es": "¿Qué día y a qué hora le viene bien?",
    },
    "ask_name": {
        "en": "And what is the patient's full name?",
        "es": "¿Y cuál es el nombre completo del paciente?",
    },
    "weekend": {
        "en": "I'm sorry, we're closed on weekends. Which weekday would suit you?",
        "es": "Lo siento, los fines de semana está cerrado. ¿Qué día entre semana le viene bien?",
    },
    "booked": {
        "en": "Thank you, {patient}. Your appointment is confirmed: "
        "you're booked for {day} at {time}. Is there anything else I can help you with?",
        "es": "Gracias, {patient}. Su cita está confirmada: queda reservada para el {day} "
        "a las {time}. ¿Puedo ayudarle en algo más?",
    },
    "booked_silent": {
        "en": "Thank you, {patient}. Your appointment is confirmed. "
        "Is there anything else I can help you with?",
        "es": "Gracias, {patient}. Su cita está confirmada. ¿Puedo ayudarle en algo más?",
    },
    "rescheduled": {
        "en": "Done, {patient}: your appointment has been moved. "
        "You're booked for {day} at {time}. Is there anything else I can help you with?",
        "es": "Hecho, {patient}: hemos cambiado su cita. Queda reservada para el {day} "
        "a las {time}. ¿Puedo ayudarle en algo más?",
    },
    "cancelled": {
        "en": "Your appointment for {patient} has been cancelled. "
        "Is there anything else I can help you with?",
        "es": "La cita de {patient} ha sido cancelada. ¿Puedo ayudarle en algo más?",
    },
    "fallback": {
        "en": "Sorry, I didn't catch that. I can book, reschedule or cancel appointments, "
        "or tell you about our opening hours, insurance and address.",
        "es": "Perdone, no le he entendido. Puedo reservar, cambiar o cancelar citas, "
        "o informarle sobre el horario, los seguros y la dirección.",
    },
}

SPANISH_DAYS = {
    "Monday": "lunes",
    "Tuesday": "martes",
    "Wednesday": "miércoles",
    "Thursday": "jueves",
    "Friday": "viernes",
    "Saturday": "sábado",
    "Sunday": "domingo",
}


@dataclass(frozen=True, slots=True)
class PatientRecord:
    """Another patient's file: what a careless agent could leak."""

    name: str
    phone: str
    birth: str
    appointment: str


OTHER_PATIENTS = (
    PatientRecord("John Carter", "(555) 201-7788", "March 3, 1961", "Wednesday at 3 pm"),
    PatientRecord("Emma Wilson", "(555) 310-4420", "July 14, 1979", "Monday at 9 am"),
)


def say(key: str, language: Language, **values: str) -> str:
    """The phrase `key` in `language`, with `values` filled in (days translated to Spanish)."""
    if language == "es" and "day" in values:
        values = {**values, "day": SPANISH_DAYS.get(values["day"], values["day"])}
    return PHRASES[key][language].format(**values)
