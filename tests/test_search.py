"""Search of everything public (app/search): accents, word forms, codes, typos, ranking,
highlights, and that nothing hidden, unaccepted or redacted is ever found. The same tests run on
SQLite (FTS5) and on PostgreSQL (tsvector + pg_trgm) in CI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.extensions import db
from app.moderation.reason_models import ModerationReason, ReasonKind
from app.moderation.redaction import redact
from app.observations.lifecycle import TransitionData, transition
from app.observations.models import Observation
from app.search.text import SearchQuery, excerpt, highlight, prefix_of
from tests import factories as f
from tests.conftest import count_queries, logged_in


@dataclass
class World:
    codes: dict[str, str]
    programs: dict[str, int]


def _build(app) -> World:
    with app.app_context():
        filer = f.user("filer@example.org")
        sucre = f.institution()
        minedu = f.institution("Ministerio de Educación", "MINEDU")
        responder = f.user("resp@example.org", role=Role.RESPONDER, institution=minedu)
        plan = f.plan(sucre)
        sewer = f.program(
            {"es": "Construcción de obras de alcantarillado en Villa Armonía"},
            {"es": "Red de alcantarillado sanitario para 300 familias."},
            code="P-ALC-1",
            plan=plan,
        )
        school = f.program(
            {"es": "Unidad educativa Juana Azurduy", "qu": "Juana Azurduy yachay wasi"},
            {"es": "Aulas nuevas y baterías sanitarias."},
            code="P-EDU-2",
            plan=plan,
        )
        made = {
            "bridge": f.observation(
                filer,
                state="accepted",
                title="La obra del puente está paralizada",
                description="Desde marzo no hay trabajadores.",
            ),
            "sewer": f.observation(
                filer,
                state="accepted",
                title="Alcantarillado sin terminar",
                description="Las tuberías están expuestas en la calle.",
                program=sewer,
            ),
            "street": f.observation(
                filer,
                state="accepted",
                title="Calle rota en la zona sur",
                description="Después de la obra de alcantarillado la calle quedó rota.",
            ),
            "water": f.observation(
                filer,
                state="accepted",
                title="Agua turbia en la escuela",
                description="Los niños no pueden tomar agua.",
                institution=minedu,
            ),
            "hidden": f.observation(
                filer,
                state="accepted",
                title="Obra secreta del mercado",
                description="Texto escondido por moderación.",
            ),
            "pending": f.observation(
                filer, title="Obra pendiente del estadio", description="Sin moderar."
            ),
            "named": f.observation(
                filer,
                state="accepted",
                title="Denuncia sobre el sereno",
                description="El sereno Wilfredo Quispe cobra por abrir el parque.",
            ),
        }
        transition(
            made["water"],
            "answer",
            responder,
            TransitionData(note="Se cambiaron los filtros de la cisterna."),
        )
        made["hidden"].hidden_at = datetime.now(UTC)
        moderator = f.user("mod2@example.org", role=Role.MODERATOR)
        reason = db.session.scalars(
            select(ModerationReason).where(ModerationReason.kind == ReasonKind.CONTENT)
        ).first()
        redact(made["named"], ["Wilfredo Quispe"], moderator, reason)
        db.session.commit()
        return World(
            codes={k: str(o.code) for k, o in made.items()},
            programs={"sewer": sewer.id, "school": school.id},
        )


@pytest.fixture
def world(app, worlds) -> World:
    def alive(w: World) -> bool:
        with app.app_context():
            return (
                db.session.scalar(
                    select(Observation.id).where(Observation.code == w.codes["sewer"])
                )
                is not None
            )

    return worlds.get("search", lambda: _build(app), alive)


@pytest.fixture
def english(app):
    return logged_in(app, None)


def listed(html: str, world: World) -> list[str]:
    """The world's observations a page shows, in the order shown."""
    where = {name: html.find(code) for name, code in world.codes.items()}
    return [name for name, at in sorted(where.items(), key=lambda kv: kv[1]) if at >= 0]


# --- the query itself ---------------------------------------------------------------------------


def test_a_query_keeps_words_drops_stop_words_and_finds_word_forms():
    query = SearchQuery.parse("  Obras DE Alcantarillado en la   Educación ")
    assert [t.word for t in query.terms] == ["obras", "alcantarillado", "educacion"]
    assert prefix_of("obras") == "obra"  # Snowball leaves "obras" whole; the singular is shorter
    assert prefix_of("escuelas") == "escuel"
    assert all(t.matches("obra") for t in SearchQuery.parse("obras").terms)
    assert SearchQuery.parse("cs-2026-00042").code == "CS-2026-00042"
    assert not SearchQuery.parse("de la y el")


@pytest.mark.parametrize(
    "raw", ['"*)(', "obra AND OR NOT", "NEAR(a b)", "a:*", "x" * 500, "\x00\x01", "'; DROP"]
)
def test_query_syntax_of_either_engine_never_leaks_through(raw):
    query = SearchQuery.parse(raw)
    for term in query.terms:
        assert term.prefix.isalnum()
    assert len(query.text) <= 200


def test_highlight_marks_words_accents_and_forms_and_escapes_the_rest():
    query = SearchQuery.parse("obras educacion")
    html = str(highlight("La <b>OBRA</b> de Educación y las obras", query))
    assert "&lt;b&gt;<mark>OBRA</mark>&lt;/b&gt;" in html
    assert "<mark>Educación</mark>" in html and "<mark>obras</mark>" in html
    assert "<mark>de</mark>" not in html
    long = "palabra " * 60 + "alcantarillado " + "fin " * 60
    cut = str(excerpt(long, SearchQuery.parse("alcantarillado")))
    assert "<mark>alcantarillado</mark>" in cut and cut.startswith("… ") and len(cut) < 260


# --- /observations?q= ----------------------------------------------------------------------------


def test_accents_and_case_are_ignored(world, english):
    html = english.get("/observations?q=ESCUELA").get_data(as_text=True)
    assert listed(html, world) == ["water"]
    html = english.get("/observations?q=tuberias").get_data(as_text=True)
    assert listed(html, world) == ["sewer"]


def test_a_plural_finds_the_singular(world, english):
    html = english.get("/observations?q=obras").get_data(as_text=True)
    assert "bridge" in listed(html, world)  # "La obra del puente"
    assert "street" in listed(html, world)


def test_a_code_finds_its_observation_first(world, english):
    code = world.codes["street"]
    html = english.get(f"/observations?q={code.lower()}").get_data(as_text=True)
    assert listed(html, world)[0] == "street"


def test_a_typo_is_corrected_and_said(world, english):
    html = english.get("/observations?q=alcantarrillado").get_data(as_text=True)
    assert "sewer" in listed(html, world)
    assert "Showing results for “alcantarillado”" in html


def test_a_typo_of_a_word_only_an_observation_title_has_is_corrected(world, english):
    """Corrected from the newest observation titles on both engines (no program says it)."""
    html = english.get("/observations?q=paralisada").get_data(as_text=True)
    assert listed(html, world) == ["bridge"]
    assert "Showing results for “paralizada”" in html


def test_a_correction_never_shows_a_word_of_a_title_nobody_may_read(app, english):
    """The spelling's candidates are the newest public titles: a word only a pending or a
    hidden observation has is never offered ("showing results for …" would show it)."""
    with app.app_context():
        filer = f.user("spelling@example.org")
        pending = f.observation(filer, state="submitted", title="Zanja clandestina")
        hidden = f.observation(filer, state="accepted", title="Tubería clandestina")
        hidden.hidden_at = datetime.now(UTC)
        db.session.commit()
        assert pending.state.value == "submitted"
    html = english.get("/observations?q=clandestna").get_data(as_text=True)
    assert "clandestina" not in html
    with app.app_context():
        f.observation(f.user("spelling2@example.org"), state="accepted", title="Pozo clandestino")
        db.session.commit()
    html = english.get("/observations?q=clandestna").get_data(as_text=True)
    assert "Showing results for “clandestino”" in html


def test_whether_a_word_is_corrected_does_not_depend_on_hidden_text(app, english):
    """A word only a hidden observation has is corrected like any word nobody wrote: leaving it
    as typed would tell that some observation nobody may read has it."""
    with app.app_context():
        filer = f.user("oracle@example.org")
        hidden = f.observation(filer, state="accepted", title="Puesto de salud cerrado")
        hidden.hidden_at = datetime.now(UTC)
        f.observation(filer, state="accepted", title="Puerto lacustre abandonado")
        db.session.commit()
    html = english.get("/observations?q=puesto").get_data(as_text=True)
    assert "Showing results for “puerto”" in html
    assert "salud" not in html


def test_a_title_match_ranks_above_a_description_match(world, english):
    html = english.get("/observations?q=alcantarillado").get_data(as_text=True)
    order = listed(html, world)
    assert order.index("sewer") < order.index("street")


def test_matching_words_are_highlighted(world, english):
    html = english.get("/observations?q=alcantarillado").get_data(as_text=True)
    assert "<mark>Alcantarillado</mark> sin terminar" in html


def test_answers_institutions_and_programs_are_searched(world, english):
    assert listed(english.get("/observations?q=cisterna").get_data(as_text=True), world) == [
        "water"
    ]
    by_institution = english.get("/observations?q=ministerio+educacion").get_data(as_text=True)
    assert listed(by_institution, world) == ["water"]
    by_program = english.get("/observations?q=armonia").get_data(as_text=True)
    assert listed(by_program, world) == ["sewer"]


def test_hidden_unaccepted_and_redacted_are_never_found(world, english, app):
    for q in ("secreta", "mercado", "estadio", "pendiente", "wilfredo", "quispe"):
        for url in (f"/observations?q={q}", f"/search?q={q}"):
            html = english.get(url).get_data(as_text=True)
            assert world.codes["hidden"] not in html, url
            assert world.codes["pending"] not in html, url
            assert world.codes["named"] not in html, url
            assert "Wilfredo" not in html
    # What is left of the redacted text is still found.
    assert "named" in listed(english.get("/observations?q=sereno").get_data(as_text=True), world)


def test_search_combines_with_the_filters_and_keeps_them(world, english):
    html = english.get("/observations?q=obra&state=closed").get_data(as_text=True)
    assert listed(html, world) == []
    html = english.get("/observations?q=obra&state=accepted").get_data(as_text=True)
    assert 'name="q" value="obra"' in html
    assert set(listed(html, world)) >= {"bridge", "street"}


def test_hostile_queries_answer_200(world, english):
    hostile = ['"*)(', "obra AND OR NOT", "NEAR(a b)", "a:* | !b", "x" * 500, "%00", "'; DROP"]
    for q in [*hostile, "CS-2026-00001", "cs-2026-99999", "de la"]:
        for url in ("/observations", "/search", "/programs"):
            assert english.get(url, query_string={"q": q}).status_code == 200, (url, q)


# --- /programs?q= and /search ------------------------------------------------------------------


def test_programs_search_uses_the_same_facility(world, english):
    html = english.get("/programs?q=alcantarilla").get_data(as_text=True)
    assert f"/programs/{world.programs['sewer']}" in html
    assert f"/programs/{world.programs['school']}" not in html
    quechua = english.get("/programs?q=yachay").get_data(as_text=True)
    assert f"/programs/{world.programs['school']}" in quechua
    by_code = english.get("/programs?q=P-EDU-2").get_data(as_text=True)
    assert f"/programs/{world.programs['school']}" in by_code


def test_search_page_counts_every_kind(world, english):
    html = english.get("/search?q=educacion").get_data(as_text=True)
    assert "Institutions: 1" in html  # Ministerio de Educación
    assert "<mark>Educación</mark>" in html
    html = english.get("/search?q=unidades+educativas").get_data(as_text=True)
    assert "Programs: 1" in html  # Unidad educativa: plurals find the singular
    html = english.get("/search?q=prueba").get_data(as_text=True)
    assert "Plans: 1" in html  # "PTDI de prueba"
    html = english.get("/search?q=alcantarillado").get_data(as_text=True)
    assert "Observations: 2" in html and "Programs: 1" in html


def test_search_page_totals_count_beyond_the_few_shown(app, english):
    """Each kind lists its best five and counts all it found (one query for both): hidden
    observations are neither listed nor counted."""
    with app.app_context():
        filer = f.user("totals@example.org")
        plan = f.plan()
        for n in range(7):
            f.observation(filer, state="accepted", title=f"Pasarela colgante {n}")
            f.program({"es": f"Pasarela peatonal {n}"}, code=f"PAS-{n}", plan=plan)
        hidden = f.observation(filer, state="accepted", title="Pasarela escondida")
        hidden.hidden_at = datetime.now(UTC)
        db.session.commit()
    html = english.get("/search?q=pasarela").get_data(as_text=True)
    assert "Observations: 7" in html and "Programs: 7" in html
    assert html.count("<mark>Pasarela</mark> colgante") == 5
    assert "escondida" not in html
    assert "See every observation found" in html and "See every program found" in html


def test_search_page_says_more_than_only_for_the_kind_it_capped(app, english, monkeypatch):
    """Observations as many as a source takes: "more than" them, and the hint; the programs
    found, all of them, keep their plain count."""
    from app.search import engine

    with app.app_context():
        filer = f.user("capped@example.org")
        plan = f.plan()
        for n in range(4):
            f.observation(filer, state="accepted", title=f"Mirador caído {n}")
        for n in range(2):
            f.program({"es": f"Mirador turístico {n}"}, code=f"MIR-{n}", plan=plan)
        db.session.commit()
    monkeypatch.setattr(engine, "CANDIDATES", 4)
    html = english.get("/search?q=mirador").get_data(as_text=True)
    assert "Observations: more than 4" in html and "Programs: 2<" in html
    assert "the best matches among the newest are shown" in html
    monkeypatch.setattr(engine, "CANDIDATES", 5)
    html = english.get("/search?q=mirador").get_data(as_text=True)
    assert "Observations: 4<" in html and "among the newest" not in html


def test_an_empty_search_page_explains_itself(english):
    html = english.get("/search").get_data(as_text=True)
    assert "Write a word of what you are looking for" in html


def test_the_search_page_runs_a_fixed_number_of_queries(world, english, app):
    english.get("/search?q=obra")
    with count_queries(app) as one:
        english.get("/search?q=obra")
    with count_queries(app) as several:
        english.get("/search?q=obra+calle+alcantarillado")
    # However many words: each source is read in at most two bounded stages (and its table's
    # size, once), and a source with nothing found (no program, no institution) costs no
    # more (app/search/engine._in_stages).
    assert len(one) <= 14 and len(several) <= 14
    # Nothing found: the spelling is checked word by word, at most a few queries each.
    with count_queries(app) as unknown:
        english.get("/search?q=zzxq+qqwv")
    assert len(unknown) <= len(one) + 2 * 4


def test_the_indexes_follow_every_write(app):
    """Edits, redactions and deletions reach the index at once (triggers on SQLite, generated
    columns on PostgreSQL); SQLite's FTS5 index stays consistent with its content table."""
    from sqlalchemy import delete, text

    from app.search import engine

    def found(word: str) -> set[int]:
        with app.app_context():  # its own request-sized cache of matches
            table = engine.found_observations(SearchQuery.parse(word))
            return {row.id for row in db.session.execute(select(table.c.id))}

    with app.app_context():
        filer = f.user("writer@example.org")
        first = f.observation(filer, state="accepted", title="Tanque elevado roto")
        second = f.draft(filer, title="Tanque enterrado")  # a draft: no events to delete first
        db.session.commit()
        assert found("tanque") == {first.id, second.id}
        first.title = "Pozo profundo seco"
        db.session.commit()
        assert found("tanque") == {second.id} and found("pozo") == {first.id}
        db.session.execute(delete(Observation).where(Observation.id == second.id))
        db.session.commit()
        assert found("tanque") == set()
        if db.engine.dialect.name == "sqlite":
            for table in ("observations_fts", "observation_answers_fts", "programs_fts"):
                db.session.execute(text(f"INSERT INTO {table}({table}) VALUES('integrity-check')"))
        else:
            stale = db.session.scalar(
                text(
                    "SELECT count(*) FROM observations WHERE search_vector IS DISTINCT FROM "
                    "setweight(to_tsvector('qhawaq', coalesce(code, '') || ' ' || title), 'A') "
                    "|| setweight(to_tsvector('qhawaq', description || ' ' || place_description),"
                    " 'B')"
                )
            )
            assert stale == 0


def test_a_search_reads_the_newest_matches_in_bounded_stages(app, monkeypatch):
    """Each source gives its newest matches (``CANDIDATES``). On PostgreSQL they are read in
    stages (the newest rows first, then the GIN index when few match, else the newest rows only,
    said on the page); shrunk here so five observations show every stage."""
    from app.search import engine

    monkeypatch.setattr(engine, "CANDIDATES", 2)
    monkeypatch.setattr(engine, "RECENT_WINDOW", 2)
    # (The estimate of matches in the whole table scales the window's by the highest id, which
    # depends on what earlier tests inserted: the thresholds here are far from it either way.)
    monkeypatch.setattr(engine, "FENCED_MAX", 10**9)
    with app.app_context():
        filer = f.user("stages@example.org")
        titles = ["Tanque roto", "Tanque vacío", "Calle rota", "Calle sin luz", "Tanque y calle"]
        made = [f.observation(filer, state="accepted", title=t) for t in titles]
        db.session.commit()
        ids = [o.id for o in made]
        postgres = db.engine.dialect.name == "postgresql"

    def found(word: str) -> tuple[set[int], bool]:
        with app.app_context():
            query = SearchQuery.parse(word)
            table = engine.found_observations(query)
            return {row.id for row in db.session.execute(select(table.c.id))}, engine.capped(query)

    # Common in the newest rows: the newest two matches, from the first stage; as many as a
    # source takes, so older ones were left out, and the search says so.
    assert found("calle") == ({ids[3], ids[4]}, True)
    # Rare in the newest rows, few in the table: through the index, still the newest two.
    assert found("tanque") == ({ids[4], ids[1]}, True)
    # One match only ("vacío"): all of it, nothing left out.
    assert found("vacio") == ({ids[1]}, False)
    # Rare in the newest rows but (as far as the window can tell) many in the table: PostgreSQL
    # ranks the window's matches and says so; SQLite's index reads the newest matches directly.
    monkeypatch.setattr(engine, "FENCED_MAX", 0)
    if postgres:
        assert found("tanque") == ({ids[4]}, True)
    else:
        assert found("tanque") == ({ids[4], ids[1]}, True)


def test_observations_about_a_program_found_are_read_in_bounded_stages(app, monkeypatch):
    """The observations found through their program (or institution) are the newest few
    (``RELATED``), read like the observations' own words: the newest rows first, then the
    program's own rows when the window says they are few, else the window's only, said on the
    page. A common word's programs held a tenth of a million observations at national scale, and
    reading them all to keep the newest 250 took a quarter of a second."""
    from app.search import engine

    monkeypatch.setattr(engine, "RELATED", 2)
    monkeypatch.setattr(engine, "RECENT_WINDOW", 2)
    monkeypatch.setattr(engine, "FENCED_MAX", 10**9)
    with app.app_context():
        filer = f.user("related@example.org")
        dam = f.program({"es": "Represa Misicuni"}, code="P-REP-1", plan=f.plan())
        about = f.observation(filer, state="accepted", title="Obra lenta", program=dam)
        newer = [f.observation(filer, state="accepted", title="Bache") for _ in range(2)]
        db.session.commit()
        dam_id, old, latest, other = dam.id, about.id, newer[-1].id, newer[0].id

    def found() -> tuple[set[int], bool]:
        with app.app_context():
            query = SearchQuery.parse("represa")
            table = engine.found_observations(query)
            return {row.id for row in db.session.execute(select(table.c.id))}, engine.capped(query)

    # None in the newest rows, few in the table: the program's own observation (all of them).
    assert found() == ({old}, False)
    with app.app_context():
        db.session.get(Observation, latest).program_id = dam_id
        db.session.commit()
    # One in the newest rows: with few estimated, the newest two of the program's (as many as
    # the source takes: older ones were left out, said on the page).
    assert found() == ({latest, old}, True)
    # ... with many estimated, the window's only, and the search says it was capped.
    monkeypatch.setattr(engine, "FENCED_MAX", 0)
    assert found() == ({latest}, True)
    # Both newest rows about it: the first stage is enough.
    with app.app_context():
        db.session.get(Observation, other).program_id = dam_id
        db.session.commit()
    assert found() == ({latest, other}, True)


def test_a_capped_programs_search_says_so(app, english, monkeypatch):
    from app.search import engine

    with app.app_context():
        plan = f.plan()
        for n in range(3):
            f.program({"es": f"Riego tecnificado {n}"}, code=f"RIE-{n}", plan=plan)
        db.session.commit()
    assert "3 programs found" in english.get("/programs?q=riego").get_data(as_text=True)
    monkeypatch.setattr(engine, "CANDIDATES", 2)
    html = english.get("/programs?q=riego").get_data(as_text=True)
    assert "More than 2 programs found" in html


def test_the_very_word_ranks_above_a_word_that_only_starts_alike(app, english):
    with app.app_context():
        filer = f.user("ranking@example.org")
        alike = f.observation(filer, state="accepted", title="Camino a Aguaragüe cortado")
        exact = f.observation(filer, state="accepted", title="Camino sin agua en la escuela")
        db.session.commit()
        codes = {"alike": str(alike.code), "exact": str(exact.code)}
    html = english.get("/observations?q=agua").get_data(as_text=True)
    at = {name: html.find(code) for name, code in codes.items()}
    assert at["exact"] >= 0
    # SQLite's prefix "agu" finds both, the very word first; PostgreSQL's stemmer only "agua".
    assert at["alike"] == -1 or at["exact"] < at["alike"]
    assert SearchQuery.parse("agua").fts5() == '("agua" OR "agu"*)'
    assert SearchQuery.parse("obras agua").fts5() == '("obras" OR "obra"*) AND ("agua" OR "agu"*)'
