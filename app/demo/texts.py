"""Words the demo country is written with: kinds of works with their titles in the five
languages, the PDES pillars, and the sentences of comments, observations and answers.

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

#: The PDES 2021-2025 "Reconstruyendo la Economía para Vivir Bien" pillars (ejes).
PDES_PILLARS: list[dict[str, str]] = [
    {
        "es": "Reconstruyendo la economía, retomando la estabilidad macroeconómica y social",
        "qu": "Qullqi kawsayta wakmanta sayarichiy",
        "en": "Rebuilding the economy and macroeconomic and social stability",
    },
    {
        "es": "Industrialización con sustitución de importaciones",
        "en": "Industrialisation with import substitution",
    },
    {
        "es": "Seguridad alimentaria con soberanía, exportaciones con valor agregado y turismo",
        "qu": "Mikhuy kawsay, kikin atiyninchikwan",
        "ay": "Manq'añ utjañapataki, jiwasan atipañasampi",
        "gn": "Tembi'u oĩ haguã opavavépe",
        "en": "Food security with sovereignty, value-added exports and tourism",
    },
    {
        "es": "Profundización de la industrialización de los recursos naturales",
        "en": "Deepening the industrialisation of natural resources",
    },
    {
        "es": "Educación, investigación, ciencia y tecnología",
        "qu": "Yachay, maskay, yachaykuna",
        "ay": "Yatichawi, thaqhawi, yatxatawi",
        "gn": "Mbo'e, jeporeka ha arandu",
        "en": "Education, research, science and technology",
    },
    {
        "es": "Salud y deportes para proteger la vida con cuidado integral",
        "qu": "Qhali kawsay, pukllaykuna ima",
        "ay": "Qullañ jakawi, anatawinaka",
        "en": "Health and sport to protect life with comprehensive care",
    },
    {
        "es": "Reforma judicial, gestión pública digitalizada y transparente; seguridad y defensa",
        "en": "Judicial reform, digital and transparent public management; security and defence",
    },
    {
        "es": "Medio ambiente sustentable y equilibrado en armonía con la Madre Tierra",
        "qu": "Pachamamawan kuska kawsay",
        "ay": "Pachamamampi sumankaña",
        "gn": "Ñande Ivy ndive jaiko porã",
        "en": "A sustainable environment in harmony with Mother Earth",
    },
    {
        "es": "Integración y relaciones internacionales con soberanía",
        "en": "Integration and international relations with sovereignty",
    },
    {
        "es": "Culturas, descolonización y despatriarcalización",
        "qu": "Kawsaykuna, mana patronniyuq kay",
        "ay": "Sarnaqawinaka, jan patronani",
        "en": "Cultures, decolonisation and depatriarchalisation",
    },
]

#: Sub-programs of the PDES pillars: (pillar index, titles, ministry acronym, description).
PDES_ACTIONS: list[tuple[int, dict[str, str], str, str]] = [
    (
        0,
        {
            "es": "Inversión pública para la reactivación económica",
            "en": "Public investment for economic recovery",
        },
        "MPD",
        "Cartera de proyectos de inversión pública priorizados por su impacto en el empleo.",
    ),
    (
        0,
        {
            "es": "Bono contra el hambre y transferencias sociales",
            "en": "Anti-hunger payment and social transfers",
        },
        "MPD",
        "Transferencias a familias vulnerables, con registro y pago por el sistema financiero.",
    ),
    (
        1,
        {"es": "Plantas de industrialización de alimentos", "en": "Food processing plants"},
        "MDRyT",
        "Plantas públicas de procesamiento de lácteos, frutas y cereales andinos.",
    ),
    (
        2,
        {
            "es": "Programa nacional de riego",
            "qu": "Suyu suyu qarpay",
            "en": "National irrigation programme",
        },
        "MMAyA",
        "Sistemas de riego comunales y familiares en valles y altiplano.",
    ),
    (
        2,
        {
            "es": "Apoyo a la producción de papa, quinua y maíz",
            "qu": "Papa, kinwa, sara tarpuyta yanapay",
            "ay": "Ch'uqi, jupha, tunqu yapuchañ yanapt'awi",
            "en": "Support for potato, quinoa and maize farming",
        },
        "MDRyT",
        "Semilla certificada, asistencia técnica y seguro agrario para pequeños productores.",
    ),
    (
        3,
        {
            "es": "Exploración y desarrollo de campos de gas",
            "en": "Gas field exploration and development",
        },
        "MPD",
        "Perforación exploratoria y desarrollo de nuevos campos.",
    ),
    (
        4,
        {
            "es": "Unidades educativas del siglo XXI",
            "qu": "Musuq yachay wasikuna",
            "gn": "Mbo'ehao pyahu",
            "en": "21st-century schools",
        },
        "MINEDU",
        "Construcción y equipamiento de unidades educativas con laboratorios y conectividad.",
    ),
    (
        4,
        {
            "es": "Conectividad y computadoras para maestras y maestros",
            "en": "Connectivity and computers for teachers",
        },
        "MINEDU",
        "Entrega de computadoras y conexión a internet en unidades educativas rurales.",
    ),
    (
        5,
        {
            "es": "Hospitales de tercer y cuarto nivel",
            "qu": "Hatun hampina wasikuna",
            "en": "Third and fourth level hospitals",
        },
        "MSyD",
        "Construcción y equipamiento de hospitales de especialidad en capitales de departamento.",
    ),
    (
        5,
        {
            "es": "Red de salud familiar comunitaria",
            "ay": "Ayllu qullañ utanaka",
            "en": "Community family health network",
        },
        "MSyD",
        "Brigadas móviles y centros de primer nivel con médicos tradicionales.",
    ),
    (
        6,
        {
            "es": "Gobierno electrónico y trámites en línea",
            "en": "E-government and online procedures",
        },
        "MPD",
        "Trámites ciudadanos en línea con Ciudadanía Digital e interoperabilidad entre entidades.",
    ),
    (
        7,
        {
            "es": "Agua potable y saneamiento para ciudades intermedias",
            "qu": "Ukyana yaku llaqtakunapaq",
            "en": "Water and sanitation for intermediate cities",
        },
        "MMAyA",
        "Ampliación de redes de agua y alcantarillado en ciudades de 10.000 a 100.000 habitantes.",
    ),
    (
        7,
        {
            "es": "Forestación y prevención de incendios",
            "gn": "Ka'aguy ñeñangareko",
            "en": "Forestation and fire prevention",
        },
        "MMAyA",
        "Viveros forestales, brigadas contra incendios y restauración de bosques quemados.",
    ),
    (
        8,
        {
            "es": "Corredor bioceánico y pasos de frontera",
            "en": "Bi-oceanic corridor and border crossings",
        },
        "MOPSV",
        "Tramos carreteros y centros de control integrado en frontera.",
    ),
    (
        9,
        {
            "es": "Revitalización de lenguas indígenas",
            "qu": "Runa simikunata kawsarichiy",
            "ay": "Jaqi arunak jakayaña",
            "gn": "Ñe'ẽnguéra jeikove jey",
            "en": "Revitalisation of indigenous languages",
        },
        "MINEDU",
        "Institutos de lengua y cultura, materiales educativos en lenguas originarias.",
    ),
    (
        9,
        {
            "es": "Vivienda social para mujeres jefas de hogar",
            "en": "Social housing for women heads of household",
        },
        "MOPSV",
        "Viviendas nuevas y mejoradas con titularidad de mujeres jefas de hogar.",
    ),
]

#: Institutional (PEI) objectives: acronym → list of (titles, description).
PEI_OBJECTIVES: dict[str, list[tuple[dict[str, str], str]]] = {
    "MINEDU": [
        (
            {
                "es": "Formación de maestras y maestros en lenguas originarias",
                "qu": "Yachachiqkunata runa simipi yachachiy",
            },
            "Formación continua en educación intracultural, intercultural y plurilingüe.",
        ),
        (
            {"es": "Alimentación complementaria escolar", "en": "School meals"},
            "Cofinanciamiento con los municipios del desayuno escolar con productos locales.",
        ),
        (
            {
                "es": "Bachillerato técnico humanístico",
                "en": "Technical and humanistic secondary education",
            },
            "Talleres y equipamiento técnico en unidades educativas de secundaria.",
        ),
    ],
    "MOPSV": [
        (
            {
                "es": "Doble vía La Paz - Oruro: mantenimiento",
                "en": "La Paz - Oruro dual carriageway: maintenance",
            },
            "Bacheo, señalización y seguridad vial en la carretera La Paz - Oruro.",
        ),
        (
            {
                "es": "Mejoramiento de vivienda en el área rural",
                "qu": "Campopi wasikunata allinchay",
                "en": "Rural housing improvement",
            },
            "Reemplazo de viviendas afectadas por el mal de Chagas.",
        ),
        (
            {
                "es": "Terminales de buses interdepartamentales",
                "en": "Interdepartmental bus terminals",
            },
            "Construcción y ampliación de terminales en ciudades intermedias.",
        ),
    ],
    "MMAyA": [
        (
            {
                "es": "Plantas de tratamiento de aguas residuales",
                "en": "Wastewater treatment plants",
            },
            "Plantas de tratamiento en cuencas con contaminación crítica: Katari, Rocha y "
            "Guadalquivir.",
        ),
        (
            {
                "es": "Gestión integral de la cuenca del lago Titicaca",
                "ay": "Titiqaqa quta uñjaña",
                "en": "Integrated management of the Lake Titicaca basin",
            },
            "Saneamiento de la bahía de Cohana y monitoreo de la calidad del agua.",
        ),
        (
            {"es": "Agua para el Chaco", "gn": "Y Chaco pe guarã", "en": "Water for the Chaco"},
            "Pozos, acueductos y cosecha de agua en comunidades guaraníes del Chaco.",
        ),
    ],
    "EPSAS": [
        (
            {
                "es": "Renovación de redes de agua en El Alto",
                "ay": "El Alto markan uma tubo machaqaña",
                "en": "Renewal of water mains in El Alto",
            },
            "Cambio de tuberías de asbesto cemento y reducción de pérdidas.",
        ),
        (
            {
                "es": "Medidores y facturación transparente",
                "en": "Water meters and transparent billing",
            },
            "Instalación de medidores y lectura con registro fotográfico.",
        ),
    ],
    "MSyD": [
        (
            {
                "es": "Abastecimiento de medicamentos del SUS",
                "qu": "SUS hampikunata aypachiy",
                "en": "Medicine supply for the SUS",
            },
            "Compra centralizada y distribución de medicamentos esenciales a los establecimientos.",
        ),
        (
            {
                "es": "Vacunación casa por casa",
                "ay": "Utat utaru vacunaña",
                "gn": "Vacuna óga ha óga",
                "en": "Door-to-door vaccination",
            },
            "Campañas de vacunación con brigadas móviles en zonas periurbanas y rurales.",
        ),
    ],
}
