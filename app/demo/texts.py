"""Words the demo country is written with: kinds of works with their titles in the five
languages (the national and institutional plans' words are in ``plan_texts``).

These are content, not interface: titles are stored per language in JSON columns, observations and
comments in the language their author writes. Where an indigenous term was uncertain the Spanish
loanword is kept, as speakers do (``alcantarillado``, ``puente``)."""

from __future__ import annotations

#: Kinds of works: key → (code, per-language title templates with {place}, description in
#: Spanish with {place} and {n}, typical budget in BOB (low, high)). {place} is a town or
#: community, {n} a number of families or metres.
WORKS: dict[str, tuple[str, dict[str, str], str, tuple[int, int]]] = {
    "agua": (
        "AG",
        {
            "es": "Sistema de agua potable en {place}",
            "qu": "{place} llaqtapaq ukyana yaku",
            "ay": "{place} markatakix umañ uma",
            "gn": "Y potĩ {place} pe guarã",
            "en": "Drinking water system in {place}",
        },
        "Captación, tanque de almacenamiento, red de distribución y conexiones domiciliarias "
        "para {n} familias de {place}.",
        (1_500_000, 22_000_000),
    ),
    "alcantarillado": (
        "AL",
        {
            "es": "Alcantarillado sanitario en {place}",
            "qu": "{place} llaqtapi alcantarillado",
            "ay": "{place} markan alcantarillado",
            "en": "Sewerage in {place}",
        },
        "Red de alcantarillado sanitario, cámaras de inspección y planta de tratamiento de "
        "aguas residuales para {n} familias de {place}.",
        (2_000_000, 30_000_000),
    ),
    "camino": (
        "CV",
        {
            "es": "Mejoramiento del camino vecinal a {place}",
            "qu": "{place}man ñanta allinchay",
            "ay": "{place} thakhi askichaña",
            "gn": "Tape {place} peve oñemoporã",
            "en": "Upgrading of the rural road to {place}",
        },
        "Ensanche, ripiado, cunetas y alcantarillas en {n} kilómetros del camino vecinal que une "
        "{place} con la carretera troncal.",
        (800_000, 15_000_000),
    ),
    "escuela": (
        "ED",
        {
            "es": "Construcción de la unidad educativa de {place}",
            "qu": "{place} yachay wasita ruway",
            "ay": "{place} yatiqañ uta luraña",
            "gn": "Mbo'ehao {place} pe",
            "en": "Building the school of {place}",
        },
        "Aulas, laboratorio, baterías sanitarias y cancha polifuncional para {n} estudiantes de "
        "{place}.",
        (1_200_000, 9_000_000),
    ),
    "salud": (
        "SA",
        {
            "es": "Centro de salud de primer nivel en {place}",
            "qu": "{place} hampina wasi",
            "ay": "{place} qullañ uta",
            "gn": "Pohãnoha {place} pe",
            "en": "Primary health centre in {place}",
        },
        "Construcción y equipamiento de un centro de salud con consultorios, sala de partos "
        "intercultural y farmacia para {n} habitantes de {place}.",
        (1_000_000, 8_000_000),
    ),
    "riego": (
        "RI",
        {
            "es": "Sistema de riego tecnificado en {place}",
            "qu": "{place} chakrakunapaq qarpay",
            "ay": "{place} yapunakatak qarpaña",
            "en": "Technified irrigation in {place}",
        },
        "Represa, canales revestidos y riego por aspersión para {n} hectáreas de cultivo en "
        "{place}.",
        (2_500_000, 35_000_000),
    ),
    "puente": (
        "PU",
        {
            "es": "Puente vehicular en {place}",
            "qu": "{place} chaka",
            "ay": "{place} chaka",
            "en": "Road bridge in {place}",
        },
        "Puente de hormigón armado de {n} metros de luz que evita el corte del paso en época de "
        "lluvias en {place}.",
        (1_800_000, 18_000_000),
    ),
    "electrificacion": (
        "EL",
        {
            "es": "Electrificación rural en {place}",
            "qu": "{place} ayllukunapaq k'anchay",
            "ay": "{place} ayllunakatak qhana",
            "en": "Rural electrification in {place}",
        },
        "Red de media y baja tensión y acometidas para {n} viviendas de {place}.",
        (600_000, 7_000_000),
    ),
    "mercado": (
        "ME",
        {
            "es": "Mercado municipal de {place}",
            "qu": "{place} qhatu",
            "ay": "{place} qhatu",
            "en": "Municipal market of {place}",
        },
        "Construcción de un mercado con {n} puestos de venta, cámara de frío y servicios "
        "higiénicos en {place}.",
        (1_500_000, 12_000_000),
    ),
    "vivienda": (
        "VI",
        {
            "es": "Viviendas sociales en {place}",
            "qu": "{place} wasikuna",
            "ay": "{place} utanaka",
            "gn": "Óga pyahu {place} pe",
            "en": "Social housing in {place}",
        },
        "Construcción de {n} viviendas sociales con servicios básicos para familias de {place}.",
        (3_000_000, 25_000_000),
    ),
    "residuos": (
        "RS",
        {
            "es": "Gestión de residuos sólidos en {place}",
            "en": "Solid waste management in {place}",
        },
        "Relleno sanitario, recolección diferenciada y planta de compostaje para {n} toneladas "
        "al mes en {place}.",
        (900_000, 10_000_000),
    ),
    "atajados": (
        "AT",
        {
            "es": "Cosecha de agua con atajados en {place}",
            "qu": "{place} yaku huñuy",
            "gn": "Y ñembyaty {place} pe",
            "en": "Rainwater harvesting ponds in {place}",
        },
        "Construcción de {n} atajados familiares con geomembrana para el consumo del ganado y el "
        "riego en época seca en {place}.",
        (400_000, 4_000_000),
    ),
}

#: Spanish phrases for a kind of works inside a sentence ("la obra de {works}").
WORKS_PHRASE: dict[str, str] = {
    "agua": "agua potable",
    "alcantarillado": "alcantarillado",
    "camino": "mejoramiento del camino",
    "escuela": "la unidad educativa",
    "salud": "el centro de salud",
    "riego": "riego",
    "puente": "el puente",
    "electrificacion": "electrificación",
    "mercado": "el mercado",
    "vivienda": "viviendas sociales",
    "residuos": "recojo de basura",
    "atajados": "atajados",
}
