"""What people say in the demo country: comments and replies in the five languages, observations
(Spanish templates, and some written in Quechua, Aymara and Guaraní), the institutions' answers,
clarifications and disputes, and the names of generated citizens. Content, not interface: each
text is stored in the language its author writes."""

from __future__ import annotations

# --- comments ---------------------------------------------------------------------------------

#: Top-level comments per language and stance ("for", "neutral", "against").
COMMENTS: dict[str, dict[str, list[str]]] = {
    "es": {
        "for": [
            "Es una obra muy necesaria para {place}. Las familias llevamos años esperando.",
            "Apoyamos el proyecto. Pedimos que la mano de obra sea de la comunidad.",
            "Por fin llega {works} a {place}. Vamos a hacer seguimiento en cada reunión vecinal.",
            "Buen proyecto. Que publiquen el avance mes a mes como hasta ahora.",
        ],
        "neutral": [
            "¿Cuándo se publicará el cronograma de obras por zona?",
            "Sería bueno conocer quién es la empresa contratista y el supervisor de obra.",
            "¿El presupuesto incluye el mantenimiento de los próximos años?",
            "En la reunión de la OTB pedimos copia del expediente técnico. ¿Dónde se puede ver?",
        ],
        "against": [
            "La obra en {place} está parada hace meses y nadie informa por qué.",
            "El presupuesto subió dos veces y el avance sigue igual. Pedimos una auditoría.",
            "No se consultó a la comunidad sobre el trazo. Hay terrenos afectados sin acuerdo.",
            "Los materiales que están usando son de mala calidad; ya hay fisuras.",
        ],
    },
    "qu": {
        "for": [
            "Kay ruwayqa allinmi {place} llaqtapaq. Unayña suyarqayku.",
            "Sulpayki. Kunanqa wawakuna astawan allinta yachakunqanku.",
        ],
        "neutral": [
            "Mayk'aqtaq tukukunqa? Ayllukunaman willaychik.",
            "Hayk'a qullqitaq kay ruwaypaq churakun? Willawayku.",
        ],
        "against": [
            "Yaku manaraq wasiykuman chayamunchu, ichaqa qullqiqa tukukapunña.",
            "Ñanqa p'akisqañam, paraqa astawan mana allinta saqin.",
        ],
    },
    "ay": {
        "for": [
            "Aka luratax wali askiwa {place} markatakixa. Jallalla!",
            "Jallalla! Wawanakax machaq yatiqañ utan yatiqapxi.",
        ],
        "neutral": [
            "Kunapachas tukuyani? Ayllunakaru yatiyapxita.",
            "Qawqha qullqis aka luratakix uchatawa? Yatiyapxita.",
        ],
        "against": [
            "Umax janiw utanakar purkiti, qullqix tukusxiwa.",
            "Thakhix wali jan walinwa, jallu pachanx janiw sarañjamäkiti.",
        ],
    },
    "gn": {
        "for": [
            "Ko tembiapo iporã {place} pe guarã. Aguyje.",
            "Aguyje, ko'ágã mitãnguéra oho mbo'ehao pyahúpe.",
        ],
        "neutral": [
            "Araka'épa opáta ko tembiapo? Orombohasa ore rembiapo.",
            "Ore roikuaase mboy pirapire oñemboguata.",
        ],
        "against": [
            "Y ndoguahẽi ore rógape, ha katu pirapire opáma.",
            "Tape ivaieterei, ama ára ndaikatúi jaha.",
        ],
    },
    "en": {
        "for": [
            "Much needed in {place}. Please keep publishing the monthly progress.",
        ],
        "neutral": [
            "Is there a public report from the works supervisor? I could not find it.",
        ],
        "against": [
            "Works in {place} stopped months ago and nobody explains why.",
        ],
    },
}

#: Replies per language.
REPLIES: dict[str, list[str]] = {
    "es": [
        "Coincido. En nuestra zona pasa lo mismo.",
        "En la última rendición de cuentas dijeron que se reanuda el próximo mes.",
        "Vamos a presentar una observación formal para que respondan por escrito.",
        "Gracias por el dato, lo llevamos a la reunión del comité de vigilancia.",
        "Yo vi a los trabajadores la semana pasada; parece que ya volvieron.",
        "El expediente está en la unidad de transparencia; hay que pedirlo por nota.",
    ],
    "qu": [
        "Arí, ñuqaykupa llaqtaykupipas kikillantaq.",
        "Tantakuypi rimasunchik, comité nisqawan.",
    ],
    "ay": [
        "Jisa, jiwasan markasan ukhamarakiwa.",
        "Tantachäwin arsuñani, comitempi chika.",
    ],
    "gn": [
        "Añetehápe, ore tëtape avei upéicha.",
        "Ñañomongeta ñembyatyhápe.",
    ],
    "en": [
        "Same here. I will bring it to the neighbourhood meeting.",
    ],
}

# --- observations -----------------------------------------------------------------------------

#: Per category key: (title templates, description templates). {works} is a WORKS_PHRASE,
#: {place} a zone or town, {months} a number of months.
OBSERVATIONS: dict[str, tuple[list[str], list[str]]] = {
    "delay": (
        [
            "Obra de {works} paralizada en {place}",
            "Retraso en {works} de {place}",
            "{works_cap} en {place}: sin avance desde hace {months} meses",
        ],
        [
            "La obra de {works} en {place} no avanza desde hace {months} meses. No hay "
            "trabajadores ni maquinaria en el lugar. Pedimos el cronograma actualizado y la "
            "explicación del retraso.",
            "Según el cartel de obra el plazo ya venció, pero {works} en {place} sigue sin "
            "terminarse. Solicitamos saber si hubo ampliación de plazo y por qué.",
        ],
    ),
    "quality": (
        [
            "Fisuras y filtraciones en {works} de {place}",
            "Mala calidad de materiales en {works} de {place}",
            "{works_cap} de {place} funciona mal",
        ],
        [
            "A pocos meses de entregada, la obra de {works} en {place} presenta fisuras y "
            "filtraciones. Pedimos que la supervisión haga cumplir la garantía de la empresa.",
            "Vecinos de {place} observamos que el material usado en {works} no corresponde a lo "
            "que dice el expediente técnico. Adjuntamos fotos tomadas en la obra.",
        ],
    ),
    "information": (
        [
            "Solicitud del contrato y las órdenes de cambio de {works} en {place}",
            "Pedido de informe de supervisión de {works} en {place}",
            "Información sobre el presupuesto ejecutado en {works} de {place}",
        ],
        [
            "Solicito copia del contrato, las planillas de avance y las órdenes de cambio de la "
            "obra de {works} en {place}, conforme al DS 28168.",
            "Pedimos el último informe de supervisión técnica y el monto pagado a la fecha por "
            "{works} en {place}.",
        ],
    ),
    "misuse": (
        [
            "Maquinaria pública usada en trabajos privados en {place}",
            "Cobros irregulares a vecinos de {place}",
        ],
        [
            "La maquinaria asignada a {works} en {place} trabaja los fines de semana en "
            "terrenos privados. Pedimos que se investigue.",
            "A los vecinos de {place} se les pide dinero para 'agilizar' las conexiones de "
            "{works}, que deberían ser gratuitas según el proyecto.",
        ],
    ),
    "proposal": (
        [
            "Propuesta: mesas de seguimiento vecinal para {works} en {place}",
            "Propuesta de cambio de trazo en {works} de {place}",
        ],
        [
            "Proponemos que cada mes se informe el avance de {works} en una reunión abierta en "
            "{place}, con la empresa y la supervisión.",
            "Los vecinos de {place} proponemos modificar el trazo de {works} para no afectar el "
            "campo deportivo de la zona.",
        ],
    ),
    "irregularity": (
        [
            "Obra de {works} en {place} no coincide con lo aprobado",
            "Pagos por avance no ejecutado en {works} de {place}",
        ],
        [
            "El informe de avance de {works} en {place} dice 70 %, pero en el lugar solo hay "
            "excavaciones. Pedimos verificación en sitio.",
            "Se construyó menos de lo que dice el contrato de {works} en {place}: faltan tramos "
            "y conexiones.",
        ],
    ),
    "other": (
        ["Falta de señalización en {works} de {place}", "Escombros abandonados en {place}"],
        [
            "La obra de {works} en {place} no tiene señalización y de noche es peligrosa para "
            "los peatones.",
            "La empresa dejó escombros y material en la vía pública de {place} hace semanas.",
        ],
    ),
}

#: Observations written in an indigenous language: language → [(title, description)].
OBSERVATIONS_NATIVE: dict[str, list[tuple[str, str]]] = {
    "qu": [
        (
            "{place} llaqtapi yaku mana chayamunchu",
            "Iskay killañam yaku mana wasikunaman chayamunchu {place} llaqtapi. Alcaldíamanta "
            "willakuyta mañakuyku.",
        ),
        (
            "{place} ñanqa p'akisqa",
            "Ñan p'akisqa kachkan, paraqa astawan mana allinta saqin. Mayk'aq allinchanqa?",
        ),
    ],
    "ay": [
        (
            "{place} markan umax janiw purkiti",
            "Paya phaxsiw umax janiw utanakar purkiti {place} markana. Alcaldíat yatiyaw mayiña.",
        ),
        (
            "{place} yatiqañ utax janiw tukuyatäkiti",
            "Yatiqañ utax janiw tukuyatäkiti, wawanakax anqan yatiqapxi. Kunapachas tukuyani?",
        ),
    ],
    "gn": [
        (
            "Y ndoguahẽi {place} pe",
            "Mokõi jasy ndoguahẽi y ore rógape {place} pe. Roikuaase araka'épa oñemyatyrõta.",
        ),
        (
            "Pohãnoha {place} pe ndorekói pohã",
            "Pohãnoha {place} pe ndorekói pohã mitãnguéra peguarã. Roipota oñemoĩ pya'e.",
        ),
    ],
}

#: Institution answers (Spanish) per answer outcome.
ANSWERS: dict[str, list[str]] = {
    "information_provided": [
        "Adjuntamos la información solicitada: contrato, planillas de avance y el último informe "
        "de supervisión. Puede revisarla también en la unidad de transparencia.",
        "Le informamos que el monto ejecutado a la fecha es el que figura en el informe adjunto; "
        "las órdenes de cambio se deben a ajustes del diseño aprobados por la supervisión.",
    ],
    "corrective_action": [
        "La supervisión verificó lo observado. La empresa reanudará los trabajos el lunes con dos "
        "frentes adicionales y se le aplicarán las multas por retraso previstas en el contrato.",
        "Se instruyó a la empresa reparar las fisuras con cargo a la garantía de buena ejecución. "
        "La reparación concluirá en 30 días calendario.",
        "Se abrió un proceso interno y la maquinaria quedó bajo control de la unidad de "
        "activos fijos. Informaremos el resultado.",
    ],
    "not_competent": [
        "La obra observada corresponde al gobierno departamental; derivamos su nota a esa "
        "entidad y le sugerimos dirigir allí su seguimiento.",
    ],
    "other": [
        "Agradecemos la propuesta. Será tratada en la próxima reunión de planificación "
        "participativa y le haremos llegar el acta.",
    ],
}

CLARIFICATION_QUESTIONS = [
    "¿Puede indicar la calle o un punto de referencia exacto del lugar observado?",
    "¿Desde qué fecha observa el problema? Si tiene fotos, por favor adjúntelas.",
    "¿A qué tramo de la obra se refiere? El proyecto tiene tres frentes de trabajo.",
]
CLARIFICATIONS = [
    "Es frente a la cancha de la zona, entre la calle 3 y la avenida principal.",
    "Desde inicios del mes pasado. Las fotos las enviamos por la junta vecinal.",
    "Nos referimos al tramo que pasa por la escuela.",
]
#: A filer disputing an answer: [about works, about information asked for].
DISPUTES = [
    [
        "Dicen que se reanudó la obra, pero en el lugar no hay nadie trabajando.",
        "La reparación que anunciaron no se hizo: las fisuras siguen ahí.",
        "La respuesta no dice cuándo se resolverá; pedimos fechas concretas.",
    ],
    [
        "La respuesta no corresponde a lo que pedimos: seguimos sin el cronograma.",
        "Lo adjuntado está incompleto: faltan las planillas de los últimos meses.",
    ],
]
REJECTION_NOTES = [
    "Es un conflicto entre vecinos sobre un terreno privado, no una obra o servicio público.",
    "No pudimos identificar el lugar ni la obra: puede volver a presentarla con más datos.",
]
INFO_REQUESTS = [
    "¿A qué obra o programa se refiere? Indique el nombre o el lugar.",
    "Por favor indique en qué municipio ocurre lo que describe.",
]
CLOSE_NOTES = {
    "no_answer": "Sin respuesta de la institución después del plazo; cerrada por moderación.",
    "resolved": "La persona que la presentó no respondió a la respuesta; se considera atendida.",
    "not_resolved": "La institución respondió, pero lo observado sigue sin resolverse.",
}
ORGANISATIONS = [
    "Federación de Juntas Vecinales (FEJUVE)",
    "Central Agraria de la provincia",
    "Asociación de Regantes",
    "Junta Escolar de la unidad educativa",
    "Capitanía Guaraní",
    "Ayllu originario",
]
SESSION_PLACES = [
    "Salón de actos de la institución",
    "Coliseo municipal",
    "Auditorio de la casa de la cultura",
    "Plaza principal, en cabildo abierto",
    "Sede de la federación de juntas vecinales",
]
SESSION_NOTES = [
    "Rendición pública de cuentas final de la gestión: ejecución presupuestaria, obras concluidas "
    "y pendientes. Participaron organizaciones sociales y juntas vecinales.",
    "Rendición pública de cuentas inicial: presentación del POA y del presupuesto de la gestión, "
    "con preguntas de los actores de control social.",
    "Se presentaron los avances de las obras del PTDI y se respondieron preguntas sobre los "
    "retrasos en agua potable y caminos.",
]

#: Citizens' names for generated accounts (first names, surnames).
FIRST_NAMES = [
    "Juana", "Mario", "Lidia", "Freddy", "Basilia", "Teodoro", "Marcelina", "René", "Celia",
    "Eusebio", "Norma", "Wilfredo", "Paulina", "Edwin", "Gladys", "Hilarión", "Yolanda",
    "Rubén", "Silvia", "Arminda", "Iveth", "Omar", "Nélida", "Grover",
]  # fmt: skip
SURNAMES = [
    "Quispe", "Mamani", "Condori", "Choque", "Flores", "Vargas", "Gutiérrez", "Colque",
    "Huanca", "Yapura", "Tarqui", "Arancibia", "Cruz", "Rojas", "Ticona", "Chambi", "Aguilera",
    "Yupanqui", "Guzmán", "Peña",
]  # fmt: skip
