"""The national and institutional plans of the demo country: the PDES 2021-2025 pillars and
actions, and the objectives of the institutions' PEIs, in the five languages where written
(content, not interface: see ``texts``)."""

from __future__ import annotations

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
