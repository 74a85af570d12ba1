"""Deterministic generator of national-scale synthetic subdip data, streamed as N-Triples.

Why: the hand-curated graph has a few hundred resources; users will load every province,
prefecture and county and thousands of agreements. This writes data of that shape, in our
vocabulary and with our provenance pattern (docs/design.md), so the pipeline can be measured
at 10 k, 100 k, 1 M asserted triples and beyond.

What it writes (every name is "Synthetic ..." / 合成..., every actor's IRI is under ``id/synth/``
and every other IRI is ``id/<kind>/synth-...``, the sub-path the shapes require: nothing pretends
to be a real place or work):

* the hierarchy's shape: one synthetic state with its party, central government, ministries and
  friendship association; 34 provincial-level units (23 provinces, 5 autonomous regions,
  4 municipalities, 2 SARs); 333 prefecture-level cities; 2,800 counties; subordination and
  location chains; each government houses its organs (foreign affairs office, foreign trade
  commission, people's congress), guided by the ministries;
* the scaled part, drawn in a fixed mix until the target is reached: sister-city agreements with
  foreign cities (signing, approval, termination events with dates), province-state twinning,
  firms owned by provinces and cities (SOEs; subsidiaries; subcontracting; support),
  engagements and strategy uses (qualified nodes), publications as sources;
* provenance: every described resource has ``dcterms:source``; every plain relation between
  resources is reified by a ``subdip:Claim`` carrying its source.

The output is N-Triples, which is also valid Turtle: name the file ``.nt`` or ``.ttl``. The
generator keeps only lists of IRIs in memory (a few per entity), never the triples.

Below 100 k triples the full hierarchy (~60 k triples) does not fit: the 34 provincial-level
units are always complete, prefectures and counties are thinned in proportion (see the stats).

Example::

    .venv/bin/python bench/generate.py --size 100k --seed 7 --out /tmp/synth-100k.nt
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import TextIO

ID = "https://w3id.org/subdip/id/"
BASE = f"{ID}synth/"
SUBDIP = "https://w3id.org/subdip/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

A = f"<{RDF}type>"
LABEL = f"<{RDFS}label>"
SOURCE = f"<{DCT}source>"
DATE = f"<{DCT}date>"


def _p(local: str) -> str:
    """An ontology term in N-Triples form."""
    return f"<{SUBDIP}{local}>"


#: The real administrative hierarchy's shape (level counts), not its names.
PROVINCIAL_KINDS: tuple[tuple[str, str, int], ...] = (
    ("Province", "province", 23),
    ("AutonomousRegion", "autonomous-region", 5),
    ("DirectlyGovernedMunicipality", "municipality", 4),
    ("SpecialAdministrativeRegion", "sar", 2),
)
PREFECTURES = 333
COUNTIES = 2800
FOREIGN_STATES = 80

#: Chinese names of the synthetic governments: "synthetic" (合成) + the level's word + a number.
ZH_NAMES: dict[str, str] = {
    "Province": "合成省",
    "AutonomousRegion": "合成自治区",
    "DirectlyGovernedMunicipality": "合成直辖市",
    "SpecialAdministrativeRegion": "合成特别行政区",
    "PrefectureLevelCity": "合成地级市",
    "CountyLevelGovernment": "合成县",
}

#: The analysts' categories, as synthetic stand-ins (schemes named as in docs/design.md).
SCHEMES: dict[str, int] = {"strategies": 3, "mechanisms": 2, "roles": 3, "issues": 3, "sectors": 6}

_SIZE_SUFFIX = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}


def parse_size(text: str) -> int:
    """``"10k"`` -> 10000, ``"1m"`` -> 1000000, ``"2500"`` -> 2500.

    >>> parse_size("1.5M")
    1500000
    """
    raw = text.strip().lower()
    factor = _SIZE_SUFFIX.get(raw[-1:], 1)
    number = raw[:-1] if factor != 1 else raw
    try:
        value = int(float(number) * factor)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"size {text!r} is not a number like 10k, 100k, 1m or 250000"
        ) from None
    if value < 10_000:
        raise argparse.ArgumentTypeError(
            f"size {text!r} is below the minimum of 10k triples (the provincial-level frame "
            "alone needs about 5k)"
        )
    return value


def iri(path: str) -> str:
    """An actor: ``id/synth/<slug>``."""
    return f"<{BASE}{path}>"


def kind_iri(kind: str, slug: str) -> str:
    """A non-actor under its kind's sub-path (the shapes require it): ``id/<kind>/synth-<slug>``."""
    return f"<{ID}{kind}/synth-{slug}>"


def literal(text: str, lang: str = "en") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}'


def typed(value: str, datatype: str) -> str:
    return f'"{value}"^^<{XSD}{datatype}>'


def plain(value: str) -> str:
    """A plain string literal: the date pattern (an ISO 8601 date at its precision, e.g. "2019")."""
    return f'"{value}"'


@dataclass
class Stats:
    """What one run wrote: exact triple count and how many of each kind of resource."""

    target: int
    seed: int
    triples: int = 0
    hierarchy_fraction: float = 1.0
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def bump(self, kind: str, n: int = 1) -> None:
        self.counts[kind] = self.counts.get(kind, 0) + n


class Writer:
    """Streams triples to a text file and counts them."""

    def __init__(self, out: TextIO, stats: Stats) -> None:
        self._out = out
        self._stats = stats
        self._buffer: list[str] = []

    def t(self, s: str, p: str, o: str) -> None:
        self._buffer.append(f"{s} {p} {o} .\n")
        if len(self._buffer) >= 8192:
            self.flush()

    def flush(self) -> None:
        self._stats.triples += len(self._buffer)
        self._out.writelines(self._buffer)
        self._buffer.clear()

    @property
    def count(self) -> int:
        return self._stats.triples + len(self._buffer)


@dataclass
class Gov:
    """A Chinese local government as the generator remembers it."""

    node: str
    label: str
    level: str  # "provincial" | "prefecture" | "county"
    province: str  # its provincial-level unit (itself for that level)
    fao: str | None = None
    congress: str | None = None


class Generator:
    """One seeded run. ``run()`` writes the frame, then scaled rounds until the target."""

    def __init__(self, writer: Writer, stats: Stats, rng: random.Random) -> None:
        self.w = writer
        self.stats = stats
        self.rng = rng
        self.pubs: list[str] = []
        self.concepts: dict[str, list[str]] = {}
        self.provincial: list[Gov] = []
        self.prefectures: list[Gov] = []
        self.counties: list[Gov] = []
        self.foreign_states: list[str] = []
        self.foreign_cities: list[str] = []
        self.firms: list[str] = []
        self.claims = 0
        self.serial: dict[str, int] = {}

    # -- helpers -----------------------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        self.serial[kind] = self.serial.get(kind, 0) + 1
        return self.serial[kind]

    def source(self) -> str:
        return self.rng.choice(self.pubs)

    def described(self, node: str, cls: str, label: str, *extra_classes: str) -> None:
        """Type, label and the source that mentions it (provenance pattern 3)."""
        self.w.t(node, A, _p(cls))
        for other in extra_classes:
            self.w.t(node, A, other)
        self.w.t(node, LABEL, literal(label))
        self.w.t(node, SOURCE, self.source())

    def related(self, s: str, p: str, o: str) -> None:
        """A plain relation and the Claim that reifies it (provenance pattern 2)."""
        self.w.t(s, p, o)
        self.claims += 1
        claim = kind_iri("claim", f"{self.claims:07d}")
        self.w.t(claim, A, _p("Claim"))
        self.w.t(claim, f"<{RDF}subject>", s)
        self.w.t(claim, f"<{RDF}predicate>", p)
        self.w.t(claim, f"<{RDF}object>", o)
        self.w.t(claim, _p("claimSubject"), s)
        self.w.t(claim, _p("claimPredicate"), p)
        self.w.t(claim, _p("claimObject"), o)
        self.w.t(claim, SOURCE, self.source())
        self.stats.bump("Claim")

    def a_date(self, start_year: int = 1979, end_year: int = 2024) -> date:
        first = date(start_year, 1, 1).toordinal()
        last = date(end_year, 12, 31).toordinal()
        return date.fromordinal(self.rng.randint(first, last))

    # -- the frame ---------------------------------------------------------------------------

    def publications(self, n: int) -> None:
        for i in range(1, n + 1):
            node = kind_iri("pub", f"src{i:05d}")
            self.w.t(node, A, _p("Publication"))
            self.w.t(node, LABEL, literal(f"Synthetic source {i:05d}"))
            self.w.t(node, f"<{DCT}title>", literal(f"Synthetic source {i:05d}"))
            self.w.t(
                node,
                f"<{DCT}bibliographicCitation>",
                literal(
                    f"Synthetic source {i:05d} (generated by bench/generate.py; not a real work)"
                ),
            )
            self.w.t(node, DATE, plain(str(self.rng.randint(1985, 2024))))
            if self.pubs and self.rng.random() < 0.3:
                self.w.t(node, f"<{DCT}references>", self.rng.choice(self.pubs))
            self.pubs.append(node)
        self.stats.bump("Publication", n)

    def schemes(self) -> None:
        """Synthetic concepts in the contract's schemes (``id/scheme/strategies``...).

        The shapes tie strategy uses to the scheme ``id/scheme/strategies`` itself, so the
        concepts are synthetic but the schemes are the real IRIs, described here so that the
        generated file validates on its own. Build it alone, not merged with data/ (the
        schemes' labels would clash with data/concepts.ttl).
        """
        for scheme, n in SCHEMES.items():
            node = f"<{ID}scheme/{scheme}>"
            self.w.t(node, A, f"<{SKOS}ConceptScheme>")
            self.w.t(node, f"<{SKOS}prefLabel>", literal(f"Synthetic data's {scheme}"))
            self.w.t(node, SOURCE, self.source())
            members = []
            for i in range(1, n + 1):
                concept = kind_iri("concept", f"{scheme}/c{i}")
                self.w.t(concept, A, f"<{SKOS}Concept>")
                self.w.t(concept, f"<{SKOS}inScheme>", node)
                self.w.t(concept, f"<{SKOS}prefLabel>", literal(f"Synthetic {scheme} {i}"))
                self.w.t(concept, SOURCE, self.source())
                members.append(concept)
            self.concepts[scheme] = members
            self.stats.bump("Concept", n)

    def centre(self) -> None:
        self.state = iri("state-00")
        self.described(self.state, "State", "Synthetic State 00")
        self.party = iri("party-00")
        self.described(self.party, "PoliticalParty", "Synthetic Party 00")
        self.government = iri("central-government-00")
        self.described(self.government, "CentralGovernment", "Synthetic Central Government 00")
        self.mfa = iri("ministry-foreign-affairs-00")
        self.described(self.mfa, "Ministry", "Synthetic Ministry of Foreign Affairs 00")
        self.mofcom = iri("ministry-commerce-00")
        self.described(self.mofcom, "Ministry", "Synthetic Ministry of Commerce 00")
        self.association = iri("friendship-association-00")
        self.described(self.association, "MassOrganisation", "Synthetic Friendship Association 00")
        self.related(self.party, _p("leads"), self.government)
        self.related(self.party, _p("leads"), self.association)
        for ministry in (self.mfa, self.mofcom):
            self.related(ministry, _p("subordinateTo"), self.government)
        self.principle = kind_iri("policy", "principle-01")
        self.described(self.principle, "Principle", "Synthetic principle 01")
        self.related(self.party, _p("upholds"), self.principle)
        self.stats.bump("CentralOrgan", 6)

    def organs(self, gov: Gov, slug: str, with_trade: bool) -> None:
        fao = iri(f"{slug}-fao")
        self.described(fao, "ForeignAffairsOffice", f"{gov.label} Foreign Affairs Office")
        self.related(gov.node, _p("housesOrgan"), fao)
        self.related(self.mfa, _p("guides"), fao)
        congress = iri(f"{slug}-congress")
        self.described(congress, "LocalPeoplesCongress", f"{gov.label} People's Congress")
        self.related(gov.node, _p("housesOrgan"), congress)
        gov.fao, gov.congress = fao, congress
        n = 2
        if with_trade:
            trade = iri(f"{slug}-ftc")
            self.described(trade, "ForeignTradeCommission", f"{gov.label} Foreign Trade Commission")
            self.related(gov.node, _p("housesOrgan"), trade)
            self.related(self.mofcom, _p("guides"), trade)
            n += 1
        self.stats.bump("LocalOrgan", n)

    def local_government(
        self, cls: str, slug: str, label: str, parent: str, province: str | None, level: str
    ) -> Gov:
        node = iri(slug)
        self.described(node, cls, label)
        number = label.rsplit(" ", 1)[-1]
        self.w.t(node, LABEL, literal(f"{ZH_NAMES[cls]}{number}", "zh"))
        self.related(node, _p("subordinateTo"), parent)
        self.related(node, _p("locatedIn"), parent if level != "provincial" else self.state)
        gov = Gov(node, label, level, province or node)
        self.stats.bump(cls)
        return gov

    def hierarchy(self, fraction: float) -> None:
        """34 provincial-level units; prefectures and counties thinned by ``fraction``."""
        for cls, slug, n in PROVINCIAL_KINDS:
            for i in range(1, n + 1):
                label = f"Synthetic {_words(cls)} {i:02d}"
                gov = self.local_government(
                    cls, f"{slug}-{i:02d}", label, self.state, None, "provincial"
                )
                self.organs(gov, f"{slug}-{i:02d}", with_trade=True)
                self.provincial.append(gov)
        # Prefectures belong to provinces and autonomous regions only (as in the real shape);
        # municipalities and SARs have districts/counties directly below them.
        with_prefectures = [
            g for g in self.provincial if "municipality" not in g.node and "sar-" not in g.node
        ]
        n_pref = max(len(with_prefectures), round(PREFECTURES * fraction))
        for i in range(1, n_pref + 1):
            parent = with_prefectures[(i - 1) % len(with_prefectures)]
            gov = self.local_government(
                "PrefectureLevelCity",
                f"prefecture-{i:04d}",
                f"Synthetic Prefecture {i:04d}",
                parent.node,
                parent.node,
                "prefecture",
            )
            self.organs(gov, f"prefecture-{i:04d}", with_trade=False)
            self.prefectures.append(gov)
            if i <= len(with_prefectures):
                self.related(gov.node, _p("capitalOf"), parent.node)
        municipalities = [g for g in self.provincial if "municipality" in g.node]
        parents = self.prefectures + municipalities
        n_county = max(len(parents), round(COUNTIES * fraction))
        for i in range(1, n_county + 1):
            parent = (
                parents[(i - 1) % len(parents)] if i <= len(parents) else self.rng.choice(parents)
            )
            gov = self.local_government(
                "CountyLevelGovernment",
                f"county-{i:05d}",
                f"Synthetic County {i:05d}",
                parent.node,
                parent.province,
                "county",
            )
            self.counties.append(gov)
        self.below_province = self.prefectures + self.counties
        self.upper_levels = self.provincial + self.prefectures
        # horizontal fragmentation: provinces compete with a neighbour
        for i, gov in enumerate(self.provincial):
            if i % 3 == 0:
                rival = self.provincial[(i + 1) % len(self.provincial)]
                self.related(gov.node, _p("competesWith"), rival.node)

    def foreign_states_frame(self) -> None:
        for i in range(1, FOREIGN_STATES + 1):
            node = iri(f"foreign-state-{i:03d}")
            self.described(node, "State", f"Synthetic Foreign State {i:03d}")
            self.foreign_states.append(node)
        self.stats.bump("ForeignState", FOREIGN_STATES)

    # -- the scaled part ---------------------------------------------------------------------

    def foreign_city(self) -> str:
        if self.foreign_cities and self.rng.random() < 0.4:
            return self.rng.choice(self.foreign_cities)
        i = len(self.foreign_cities) + 1
        node = iri(f"foreign-city-{i:05d}")
        self.described(node, "ForeignSubnationalGovernment", f"Synthetic Foreign City {i:05d}")
        self.related(node, _p("locatedIn"), self.rng.choice(self.foreign_states))
        self.foreign_cities.append(node)
        self.stats.bump("ForeignSubnationalGovernment")
        return node

    def event(self, kind: str, agreement: str, n: int, when: date, actor: str) -> str:
        node = kind_iri("event", f"{kind.lower()}-{n:06d}")
        self.described(node, kind, f"{kind} of synthetic agreement {n:06d}")
        self.w.t(node, _p("concernsAgreement"), agreement)
        self.w.t(node, DATE, plain(when.isoformat()))
        self.w.t(node, _p("performedBy"), actor)
        self.stats.bump(kind)
        return node

    def sister_city_agreement(self) -> None:
        n = self.next_id("agreement")
        local = self.rng.choice(
            self.below_province if self.rng.random() < 0.85 else self.provincial
        )
        foreign = self.foreign_city()
        agreement = kind_iri("agreement", f"sister-{n:06d}")
        self.described(agreement, "SisterCityAgreement", f"Synthetic sister-city agreement {n:06d}")
        self.related(local.node, _p("partyTo"), agreement)
        self.related(foreign, _p("partyTo"), agreement)
        self.related(local.node, _p("twinnedWith"), foreign)
        if self.rng.random() < 0.5:
            self.w.t(agreement, _p("hasClause"), self.principle)
        signed = self.a_date()
        self.event("Signing", agreement, n, signed, local.node)
        if self.rng.random() < 0.4:
            approved = signed - timedelta(days=self.rng.randint(10, 200))
            self.event("Approval", agreement, n, approved, self.association)
            self.related(self.association, _p("approves"), agreement)
            province = next(g for g in self.provincial if g.node == local.province)
            if province.congress is not None:
                self.related(province.congress, _p("approves"), agreement)
        if self.rng.random() < 0.08:
            ended = signed + timedelta(days=self.rng.randint(200, 9000))
            party = foreign if self.rng.random() < 0.5 else local.node
            event = self.event("Termination", agreement, n, min(ended, date(2025, 6, 30)), party)
            self.w.t(event, _p("reason"), self.rng.choice(self.concepts["issues"]))
        self.stats.bump("SisterCityAgreement")

    def twinning(self) -> None:
        n = self.next_id("twinning")
        province = self.rng.choice(self.provincial)
        state = self.rng.choice(self.foreign_states)
        agreement = kind_iri("agreement", f"twinning-{n:06d}")
        self.described(agreement, "TwinningArrangement", f"Synthetic twinning arrangement {n:06d}")
        self.related(province.node, _p("partyTo"), agreement)
        self.related(state, _p("partyTo"), agreement)
        self.related(province.node, _p("twinnedWith"), state)
        self.event("Signing", agreement, 500_000 + n, self.a_date(1990), province.node)
        self.stats.bump("TwinningArrangement")

    def firm(self) -> None:
        n = self.next_id("firm")
        node = iri(f"firm-{n:06d}")
        soe = self.rng.random() < 0.8
        self.described(
            node,
            "StateOwnedEnterprise" if soe else "Firm",
            f"Synthetic {'State-Owned ' if soe else ''}Enterprise {n:06d}",
        )
        roll = self.rng.random()
        if self.firms and roll < 0.15:
            self.related(self.rng.choice(self.firms), _p("owns"), node)  # a subsidiary
        elif roll < 0.75:
            owner = self.rng.choice(self.provincial)
            self.related(owner.node, _p("owns"), node)
            if self.rng.random() < 0.5:
                self.related(owner.node, _p("supports"), node)
        else:
            self.related(self.rng.choice(self.prefectures).node, _p("owns"), node)
        if self.firms and self.rng.random() < 0.6:
            self.related(node, _p("subcontractsTo"), self.rng.choice(self.firms))
        self.firms.append(node)
        self.stats.bump("Firm")

    def engagement(self) -> None:
        n = self.next_id("engagement")
        actor = (
            self.rng.choice(self.provincial).node
            if not self.firms or self.rng.random() < 0.7
            else self.rng.choice(self.firms)
        )
        counterpart = self.rng.choice(self.foreign_states)
        node = kind_iri("engagement", f"{n:06d}")
        self.w.t(node, A, _p("Engagement"))
        self.w.t(node, _p("actingParty"), actor)
        self.w.t(node, _p("counterpart"), counterpart)
        self.w.t(node, _p("sector"), self.rng.choice(self.concepts["sectors"]))
        self.w.t(node, DATE, plain(str(self.rng.randint(1995, 2024))))
        self.w.t(node, SOURCE, self.source())
        self.related(actor, _p("engages"), counterpart)
        self.stats.bump("Engagement")

    def strategy_use(self) -> None:
        n = self.next_id("strategy-use")
        actor = self.rng.choice(self.upper_levels).node
        node = kind_iri("strategy-use", f"{n:06d}")
        self.w.t(node, A, _p("StrategyUse"))
        self.w.t(node, _p("actingParty"), actor)
        self.w.t(node, _p("strategy"), self.rng.choice(self.concepts["strategies"]))
        self.w.t(node, _p("issue"), self.rng.choice(self.concepts["issues"]))
        self.w.t(node, SOURCE, self.source())
        self.stats.bump("StrategyUse")

    def scaled(self, target: int) -> None:
        """Draw kinds in a fixed mix until ``target`` triples have been written."""
        mix: list[tuple[float, Callable[[], None]]] = [
            (0.42, self.sister_city_agreement),
            (0.02, self.twinning),
            (0.26, self.firm),
            (0.20, self.engagement),
            (0.10, self.strategy_use),
        ]
        weights = [weight for weight, _ in mix]
        makers = [maker for _, maker in mix]
        while self.w.count < target:
            self.rng.choices(makers, weights)[0]()


def _words(cls: str) -> str:
    names = {
        "DirectlyGovernedMunicipality": "Municipality",
        "SpecialAdministrativeRegion": "SAR",
        "AutonomousRegion": "Autonomous Region",
    }
    return names.get(cls, cls)


#: Approximate triples the full hierarchy costs (measured on a run with fraction 1.0).
_FULL_HIERARCHY = 80_000


def generate(
    target: int, out: Path, *, seed: int = 1, progress: Callable[[int], None] | None = None
) -> Stats:
    """Write about ``target`` asserted triples to ``out`` (N-Triples); return what was written.

    Deterministic: the same target and seed give a byte-identical file.
    """
    started = time.perf_counter()
    stats = Stats(target=target, seed=seed)
    rng = random.Random(seed)
    # The full hierarchy costs ~80 k triples (a claim is 7): below ~133 k, thin prefectures and
    # counties so that at least ~40 % of the triples are agreements, firms and engagements.
    stats.hierarchy_fraction = round(min(1.0, 0.6 * target / _FULL_HIERARCHY), 4)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    with tmp.open("w", encoding="utf-8", newline="\n") as handle:
        writer = Writer(handle, stats)
        gen = Generator(writer, stats, rng)
        gen.publications(max(20, target // 500))
        gen.schemes()
        gen.centre()
        gen.foreign_states_frame()
        gen.hierarchy(stats.hierarchy_fraction)
        step = max(10_000, target // 20)
        while writer.count < target:
            gen.scaled(min(target, writer.count + step))
            if progress is not None:
                progress(writer.count)
        writer.flush()
    tmp.replace(out)
    stats.seconds = round(time.perf_counter() - started, 3)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", type=parse_size, required=True, help="target asserted triples, e.g. 10k, 100k, 1m"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument("--out", type=Path, required=True, help="output file (.nt or .ttl)")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)

    def progress(n: int) -> None:
        print(f"\r{n:>12,} / {args.size:,} triples", end="", file=sys.stderr, flush=True)

    stats = generate(args.size, args.out, seed=args.seed, progress=None if args.quiet else progress)
    if not args.quiet:
        print(file=sys.stderr)
    print(json.dumps(asdict(stats), indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
