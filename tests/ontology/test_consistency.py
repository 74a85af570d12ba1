"""Consistency under owlrl: the ontology and a realistic sample close without a clash, and clashes
that the ontology is meant to forbid are detected (so the consistency check can fail)."""

from __future__ import annotations

import re

import pytest
from ontology_testkit import Closure, close, turtle
from rdflib import Graph
from rdflib.namespace import OWL, RDF

# A sample in the shape of the real data (names from shared/facts, test IRIs): a province and its
# city, the party-state above them, a firm, a foreign city and a disputed territory. Taiwan is a
# polity but not a state; Hong Kong is a subnational government in competition with Guangdong.
SAMPLE = """
id:test-prc a subdip:State ; subdip:claimsTerritory id:test-paracels .
id:test-taiwan a subdip:Polity ; subdip:claimsTerritory id:test-paracels .
id:test-vietnam a subdip:State ; subdip:claimsTerritory id:test-paracels .
id:test-paracels a subdip:Territory ; subdip:locatedIn id:test-hainan .
id:test-ccp a subdip:PoliticalParty ; subdip:leads id:test-state-council , id:test-cpaffc .
id:test-state-council a subdip:CentralGovernment ; subdip:hasSubordinate id:test-hainan .
id:test-cpaffc a subdip:MassOrganisation .
id:test-mfa a subdip:Ministry ; subdip:guides id:test-hainan-fao .
id:test-hainan a subdip:ChineseProvince ; subdip:locatedIn id:test-prc ;
    subdip:housesOrgan id:test-hainan-fao , id:test-hainan-congress ;
    subdip:hasSubordinate id:test-sansha ; subdip:owns id:test-firm .
id:test-hainan-fao a subdip:ForeignAffairsOffice .
id:test-hainan-congress a subdip:LocalPeoplesCongress .
id:test-sansha a subdip:PrefectureLevelCity ; subdip:locatedIn id:test-hainan .
id:test-firm a subdip:Firm ; subdip:subcontractsTo id:test-small-firm .
id:test-small-firm a subdip:Firm .
id:test-prague a subdip:NonChineseSubnationalGovernment ; subdip:capitalOf id:test-czechia ;
    subdip:partyTo id:test-agreement .
id:test-beijing a subdip:DirectlyGovernedMunicipality ; subdip:partyTo id:test-agreement ;
    subdip:twinnedWith id:test-prague .
id:test-agreement a subdip:SisterCityAgreement ; subdip:hasClause id:test-one-china .
id:test-one-china a subdip:Principle ; subdip:upheldBy id:test-beijing .
id:test-termination a subdip:Termination ; subdip:concernsAgreement id:test-agreement ;
    subdip:performedBy id:test-beijing ; subdip:reason id:test-one-china .
id:test-czechia a subdip:State .
id:test-hong-kong a subdip:SpecialAdministrativeRegion ; subdip:competesWith id:test-guangdong .
id:test-guangdong a subdip:ChineseProvince .
id:test-zhejiang a subdip:ChineseProvince ; subdip:engages id:test-zimbabwe .
id:test-zimbabwe a subdip:State .
id:test-wong a subdip:Scholar , subdip:Cadre ; subdip:affiliatedWith id:test-cfau .
id:test-cfau a subdip:ResearchOrganisation .
id:test-use a subdip:StrategyUse ; subdip:actingParty id:test-hainan ;
    subdip:strategy id:test-trailblazing ; subdip:statedIn id:test-article-a .
id:test-trailblazing a skos:Concept .
id:test-article-a a subdip:Publication .
"""

#: Inputs the ontology must reject, each with the individual owlrl has to name in its error.
CLASHES: dict[str, tuple[str, str]] = {
    "polity-and-subnational": ("id:test-c1 a subdip:State , subdip:ChineseProvince .", "test-c1"),
    "organisation-and-person": ("id:test-c2 a subdip:Firm , subdip:Leader .", "test-c2"),
    "event-as-party-through-domain": (
        "id:test-c3 a subdip:Signing ; subdip:partyTo id:test-c3-agreement .",
        "test-c3",
    ),
    "province-claiming-territory": (
        "id:test-c4 a subdip:ChineseProvince ; subdip:claimsTerritory id:test-c4-shoal .",
        "test-c4",
    ),
    "provincial-firm-typed-central": (
        "id:test-c5 a subdip:CentralStateOwnedEnterprise ; subdip:ownedBy id:test-c5-province . "
        "id:test-c5-province a subdip:ChineseProvince .",
        "test-c5",
    ),
    "two-provincial-levels": (
        "id:test-c6 a subdip:ChineseProvince , subdip:DirectlyGovernedMunicipality .",
        "test-c6",
    ),
    "same-and-different": (
        "id:test-c7 owl:sameAs id:test-c7-other ; owl:differentFrom id:test-c7-other .",
        "test-c7",
    ),
    "territory-as-government": (
        "id:test-c8 a subdip:Territory . id:test-c8-city subdip:capitalOf id:test-c8 .",
        "test-c8",
    ),
}


@pytest.fixture(scope="session")
def sample_closure(ontology: Graph) -> Closure:
    return close(ontology, turtle(SAMPLE))


@pytest.fixture(scope="session")
def clash_closure(ontology: Graph) -> Closure:
    return close(ontology, turtle("\n".join(text for text, _ in CLASHES.values())))


def _nothing_members(closure: Closure) -> list[str]:
    return [str(node) for node in closure.graph.subjects(RDF.type, OWL.Nothing)]


def test_ontology_alone_is_consistent(ontology_closure: Closure) -> None:
    assert not ontology_closure.errors, "\n".join(ontology_closure.errors)
    assert not _nothing_members(ontology_closure)


def test_sample_is_consistent(sample_closure: Closure) -> None:
    assert not sample_closure.errors, "\n".join(sample_closure.errors)
    assert not _nothing_members(sample_closure)


@pytest.mark.parametrize("case", sorted(CLASHES))
def test_clash_is_detected(case: str, clash_closure: Closure) -> None:
    _, individual = CLASHES[case]
    mention = re.compile(rf"/id/{re.escape(individual)}(?![\w-])")
    named = [error for error in clash_closure.errors if mention.search(error)]
    assert named, f"owlrl reported no clash for {individual}; errors:\n" + "\n".join(
        clash_closure.errors
    )
