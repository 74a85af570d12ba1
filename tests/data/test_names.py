"""Every named resource has a Chinese name, and every Chinese name says what it is: a name a
source gives (@zh, @zh-Hant), reified by a claim naming that source, or our own translation of
the English name (@zh-t-en, BCP 47 transformed content, RFC 6497). Claims carry readable labels
in both languages. The rules are documented in data/README.md."""

from __future__ import annotations

from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from subdip.loading import LoadedGraph
from subdip.namespaces import ID, SUBDIP

TRANSLATION = "zh-t-en"
PERSON_KINDS = {SUBDIP.Person, SUBDIP.Scholar, SUBDIP.Leader}
NAME_PROPERTIES = (RDFS.label, SKOS.prefLabel)
# Foreign persons for whom no source read gives a Chinese name (issue 12 allows leaving them out,
# with this list). A transliteration of our own would be an invented name.
WITHOUT_CHINESE_NAME = {
    "adriana-krnacova",
    "audrye-wong",
    "charlotte-lenz",
    "jean-oi",
    "maria-edin",
}


def is_chinese(literal: Literal) -> bool:
    tag = (literal.language or "").lower()
    return (tag == "zh" or tag.startswith("zh-")) and "latn" not in tag


def named_resources(g: Graph) -> set[URIRef]:
    """Resources under id/ with an English name, other than claims and publications."""
    return {
        s
        for p in NAME_PROPERTIES
        for s, o in g.subject_objects(p)
        if isinstance(s, URIRef)
        and s.startswith(ID)
        and isinstance(o, Literal)
        and o.language == "en"
        and (s, RDF.type, SUBDIP.Claim) not in g
        and (s, RDF.type, SUBDIP.Publication) not in g
    }


def chinese_names(g: Graph, s: URIRef) -> list[Literal]:
    return [o for p in NAME_PROPERTIES for o in g.objects(s, p) if is_chinese(o)]


def test_every_named_resource_has_a_chinese_name_except_the_listed_persons(
    asserted: LoadedGraph,
) -> None:
    g = asserted.graph
    missing = {str(s)[len(ID) :] for s in named_resources(g) if not chinese_names(g, s)}
    assert missing == WITHOUT_CHINESE_NAME, (
        f"without a Chinese name: {sorted(missing - WITHOUT_CHINESE_NAME)}; "
        f"listed but now named (drop them from the list): {sorted(WITHOUT_CHINESE_NAME - missing)}"
    )
    for slug in WITHOUT_CHINESE_NAME:
        kinds = set(g.objects(ID[slug], RDF.type))
        assert kinds & PERSON_KINDS, f"{slug}: only persons may be left out"


def test_a_sourced_chinese_name_is_reified_by_a_claim_with_its_source(
    asserted: LoadedGraph,
) -> None:
    g = asserted.graph
    reified = {
        (g.value(c, RDF.subject), g.value(c, RDF.predicate), g.value(c, RDF.object))
        for c in g.subjects(RDF.type, SUBDIP.Claim)
        if any(g.objects(c, DCTERMS.source))
    }
    unsourced = [
        f"{s} {p} {o!r}"
        for p in (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
        for s, o in g.subject_objects(p)
        if isinstance(o, Literal)
        and is_chinese(o)
        and o.language.lower() != TRANSLATION
        and isinstance(s, URIRef)
        and s.startswith(ID)
        and (s, RDF.type, SUBDIP.Claim) not in g
        and (s, p, o) not in reified
    ]
    assert unsourced == [], "tag our own translations @zh-t-en, or add the claim naming the source"


def test_a_resource_has_one_chinese_name_per_property(asserted: LoadedGraph) -> None:
    """A sourced name and a translation never sit side by side: the translation is only a
    fallback."""
    g = asserted.graph
    doubled = [
        (s, p)
        for s in named_resources(g)
        for p in NAME_PROPERTIES
        if len([o for o in g.objects(s, p) if is_chinese(o)]) > 1
    ]
    assert doubled == []


def test_every_claim_has_a_readable_label_in_english_and_chinese(asserted: LoadedGraph) -> None:
    g = asserted.graph
    claims = set(g.subjects(RDF.type, SUBDIP.Claim))
    assert claims
    unlabelled = [
        c
        for c in claims
        if not any(o.language == "en" for o in g.objects(c, RDFS.label))
        or not any(is_chinese(o) for o in g.objects(c, RDFS.label))
    ]
    assert unlabelled == []
