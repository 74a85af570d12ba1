"""The inferences the ontology promises, checked against owlrl on small hand-made graphs.

Every case has its own IRIs (``id:test-<case>-...``), so all cases share one graph and one closure.
Each expected inference is paired with a near miss: an input that looks alike but must not
trigger it.
"""

from __future__ import annotations

import pytest
from ontology_testkit import Closure, close, turtle
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF

from subdip.namespaces import ID, ORG, PROV, SUBDIP

CASES = """
# Control is transitive; ownership, subordination, housing an organ and leadership imply it.
id:test-ctl-ccp subdip:leads id:test-ctl-council .
id:test-ctl-council subdip:hasSubordinate id:test-ctl-province .
id:test-ctl-province a subdip:ChineseProvince ; subdip:owns id:test-ctl-firm ;
    subdip:housesOrgan id:test-ctl-fao .
id:test-ctl-city subdip:subordinateTo id:test-ctl-province .
id:test-ctl-city-firm subdip:ownedBy id:test-ctl-city .
# near misses: guidance and support are not control; control does not spread sideways.
id:test-ctl-ministry subdip:guides id:test-ctl-fao .
id:test-ctl-province subdip:supports id:test-ctl-private .
id:test-ctl-other subdip:controls id:test-ctl-firm .

# Subordination is transitive in both directions.
id:test-sub-sansha subdip:subordinateTo id:test-sub-hainan .
id:test-sub-hainan subdip:subordinateTo id:test-sub-council .

# Administrative location is transitive; capital-of is not.
id:test-loc-sansha subdip:locatedIn id:test-loc-hainan-prov .
id:test-loc-hainan-prov subdip:locatedIn id:test-loc-prc .
id:test-loc-changsha subdip:capitalOf id:test-loc-hunan .
id:test-loc-hunan subdip:capitalOf id:test-loc-fictional .

# Symmetric relations; none of them is transitive.
id:test-sym-beijing subdip:twinnedWith id:test-sym-prague .
id:test-sym-prague subdip:twinnedWith id:test-sym-taipei .
id:test-sym-guangdong subdip:competesWith id:test-sym-hongkong .
id:test-sym-burma subdip:inTensionWith id:test-sym-china .

# A subnational diplomatic actor, from party-to, twinning or engagement.
id:test-sda-beijing a subdip:DirectlyGovernedMunicipality ; subdip:partyTo id:test-sda-agreement .
id:test-sda-agreement2 a subdip:SisterCityAgreement ; subdip:hasParty id:test-sda-prague .
id:test-sda-prague a subdip:NonChineseSubnationalGovernment .
id:test-sda-zhejiang a subdip:ChineseProvince ; subdip:engages id:test-sda-zimbabwe .
id:test-sda-zimbabwe a subdip:State .
id:test-sda-city a subdip:PrefectureLevelCity .
id:test-sda-partner a subdip:NonChineseSubnationalGovernment ; subdip:twinnedWith id:test-sda-city .
id:test-sda-hunan a subdip:ChineseProvince ; subdip:twinnedWith id:test-sda-zambia .
id:test-sda-zambia a subdip:State .
# near misses: a state party to an agreement, a province that only lobbies, a firm that engages.
id:test-sda-czechia a subdip:State ; subdip:partyTo id:test-sda-treaty .
id:test-sda-yunnan a subdip:ChineseProvince ; subdip:lobbies id:test-sda-council .
id:test-sda-firm a subdip:Firm ; subdip:engages id:test-sda-zimbabwe .
id:test-sda-hainan a subdip:RegionalGovernment .
id:test-sda-tourism a subdip:InfrastructureProject ; subdip:performedBy id:test-sda-hainan ;
    subdip:concernsIssue id:test-sda-sea .
id:test-sda-sea a subdip:ForeignPolicyIssue .
id:test-sda-guangdong a subdip:RegionalGovernment .
id:test-sda-rivalry a subdip:Competition ; subdip:actingParty id:test-sda-guangdong ;
    subdip:issue id:test-sda-influence .
id:test-sda-influence a subdip:ForeignPolicyIssue .
id:test-sda-anhui a subdip:RegionalGovernment .
id:test-sda-fair a subdip:Event ; subdip:performedBy id:test-sda-anhui .
id:test-sda-henan a subdip:RegionalGovernment .
id:test-sda-harvest a subdip:Event ; subdip:performedBy id:test-sda-henan ;
    subdip:concernsIssue id:test-sda-farming .
id:test-sda-farming a skos:Concept .
id:test-sda-manila a subdip:State .
id:test-sda-patrol a subdip:Event ; subdip:performedBy id:test-sda-manila ;
    subdip:concernsIssue id:test-sda-sea .
id:test-sda-builder a subdip:Firm .
id:test-sda-port a subdip:InfrastructureProject ; subdip:performedBy id:test-sda-builder ;
    subdip:concernsIssue id:test-sda-sea .
id:test-dir-sansha a subdip:MunicipalGovernment ; subdip:directlyLocatedIn id:test-dir-hainan .
id:test-dir-hainan a subdip:RegionalGovernment ; subdip:directlyLocatedIn id:test-dir-prc .
id:test-dir-prc a subdip:State .
id:test-why-lobbying a subdip:LobbyingCampaign .
id:test-why-pipeline a subdip:InfrastructureProject ; subdip:triggeredBy id:test-why-lobbying .

# State-owned enterprises from ownership.
id:test-soe-jiangxi a subdip:ChineseProvince ; subdip:owns id:test-soe-builder .
id:test-soe-builder a subdip:Firm .
id:test-soe-council a subdip:CentralGovernment .
id:test-soe-giant a subdip:Firm ; subdip:ownedBy id:test-soe-council .
# near misses: owned by a prefecture-level city, by a private firm, by a person.
id:test-soe-city a subdip:PrefectureLevelCity ; subdip:owns id:test-soe-local .
id:test-soe-local a subdip:Firm .
id:test-soe-small a subdip:Firm ; subdip:ownedBy id:test-soe-holding .
id:test-soe-holding a subdip:Firm .
id:test-soe-family a subdip:Firm ; subdip:ownedBy id:test-soe-founder .
id:test-soe-founder a subdip:Person .

# Class membership from domains, ranges and the class hierarchy.
id:test-dom-vietnam subdip:claimsTerritory id:test-dom-paracels .
id:test-dom-signing subdip:concernsAgreement id:test-dom-agreement ;
    subdip:performedBy id:test-dom-mayor .
id:test-dom-hk a subdip:SpecialAdministrativeRegion .

# Provenance: the article a statement was read in is what it was derived from (PROV).
id:test-prov-claim subdip:statedIn id:test-prov-article .

# Generic levels: a firm owned by any regional government (here a Canadian-style province typed
# with the core term only) is a provincial (regional) SOE, and nothing Chinese is inferred.
id:test-gen-quebec a subdip:RegionalGovernment ; subdip:owns id:test-gen-hydro .
id:test-gen-hydro a subdip:Firm .

# Deprecated 0.1.0 names keep their meaning: old data reaches the new terms and back.
id:test-dep-old a subdip:Province ; subdip:subordinateTo id:test-dep-council .
id:test-dep-new a subdip:ChineseLocalGovernment .
id:test-dep-node subdip:actor id:test-dep-old .
"""


def _inverse_pairs(ontology: Graph) -> list[tuple[URIRef, URIRef]]:
    return sorted(
        (p, q)
        for p, q in ontology.subject_objects(OWL.inverseOf)
        if isinstance(p, URIRef) and str(p).startswith(str(SUBDIP))
    )


def _inverse_ends(p: URIRef) -> tuple[URIRef, URIRef]:
    """A fresh subject and object for testing the inverse of ``p``."""
    name = p.split("#")[1]
    return ID[f"test-inv-{name}-s"], ID[f"test-inv-{name}-o"]


@pytest.fixture(scope="session")
def cases_closure(ontology: Graph) -> Closure:
    """The cases above plus, per declared inverse pair, one triple asserted in one direction."""
    inverses = Graph()
    for p, _ in _inverse_pairs(ontology):
        subject, obj = _inverse_ends(p)
        inverses.add((subject, p, obj))
    return close(ontology, turtle(CASES), inverses)


def _iri(name: str) -> URIRef:
    prefix, _, local = name.partition(":")
    namespaces = {"id": ID, "subdip": SUBDIP, "org": ORG, "prov": PROV, "owl": OWL, "rdf": RDF}
    return namespaces[prefix][local]


def _triple(text: str) -> tuple[URIRef, URIRef, URIRef]:
    subject, predicate, obj = text.split()
    return _iri(subject), RDF.type if predicate == "a" else _iri(predicate), _iri(obj)


#: (what it shows, triple) pairs the closure must contain.
ENTAILED = [
    ("leadership reaches a province", "id:test-ctl-ccp subdip:controls id:test-ctl-province"),
    ("control reaches a provincial firm", "id:test-ctl-ccp subdip:controls id:test-ctl-firm"),
    ("control reaches an organ", "id:test-ctl-council subdip:controls id:test-ctl-fao"),
    ("control reaches a city's firm", "id:test-ctl-ccp subdip:controls id:test-ctl-city-firm"),
    ("controlled-by is the inverse", "id:test-ctl-firm subdip:controlledBy id:test-ctl-ccp"),
    ("owning is controlling", "id:test-ctl-province subdip:controls id:test-ctl-firm"),
    ("an organ is controlled", "id:test-ctl-fao subdip:controlledBy id:test-ctl-province"),
    (
        "an organ is an ORG sub-organisation",
        "id:test-ctl-fao org:subOrganizationOf id:test-ctl-province",
    ),
    ("an organ is an ORG unit", "id:test-ctl-fao org:unitOf id:test-ctl-province"),
    (
        "a government has its organs as ORG units",
        "id:test-ctl-province org:hasUnit id:test-ctl-fao",
    ),
    ("subordination is transitive", "id:test-sub-sansha subdip:subordinateTo id:test-sub-council"),
    (
        "has-subordinate is the inverse",
        "id:test-sub-council subdip:hasSubordinate id:test-sub-sansha",
    ),
    ("subordination is control", "id:test-sub-council subdip:controls id:test-sub-sansha"),
    ("location is transitive", "id:test-loc-sansha subdip:locatedIn id:test-loc-prc"),
    ("contains is the inverse", "id:test-loc-prc subdip:contains id:test-loc-sansha"),
    ("a location is a government (range)", "id:test-loc-hainan-prov a subdip:Government"),
    ("has-capital is the inverse", "id:test-loc-hunan subdip:hasCapital id:test-loc-changsha"),
    ("twinning is symmetric", "id:test-sym-prague subdip:twinnedWith id:test-sym-beijing"),
    ("competition is symmetric", "id:test-sym-hongkong subdip:competesWith id:test-sym-guangdong"),
    ("tension is symmetric", "id:test-sym-china subdip:inTensionWith id:test-sym-burma"),
    ("party to an agreement", "id:test-sda-beijing a subdip:SubnationalDiplomaticActor"),
    ("party through has-party", "id:test-sda-prague a subdip:SubnationalDiplomaticActor"),
    ("engages a foreign state", "id:test-sda-zhejiang a subdip:SubnationalDiplomaticActor"),
    ("twinned as the object", "id:test-sda-city a subdip:SubnationalDiplomaticActor"),
    ("twinned as the subject", "id:test-sda-partner a subdip:SubnationalDiplomaticActor"),
    ("province twinned with a state", "id:test-sda-hunan a subdip:SubnationalDiplomaticActor"),
    ("engaged-by is the inverse", "id:test-sda-zimbabwe subdip:engagedBy id:test-sda-zhejiang"),
    ("acting on an issue by a project", "id:test-sda-hainan a subdip:SubnationalDiplomaticActor"),
    (
        "acting on an issue by competing",
        "id:test-sda-guangdong a subdip:SubnationalDiplomaticActor",
    ),
    ("acts-on-issue through an event", "id:test-sda-hainan subdip:actsOnIssue id:test-sda-sea"),
    (
        "acts-on-issue through a node",
        "id:test-sda-guangdong subdip:actsOnIssue id:test-sda-influence",
    ),
    ("direct location is location", "id:test-dir-sansha subdip:locatedIn id:test-dir-hainan"),
    ("location closes over direct steps", "id:test-dir-sansha subdip:locatedIn id:test-dir-prc"),
    (
        "led-to is the inverse of informed-by",
        "id:test-why-lobbying subdip:consequence id:test-why-pipeline",
    ),
    ("provincial SOE", "id:test-soe-builder a subdip:ProvincialStateOwnedEnterprise"),
    ("a provincial SOE is an SOE", "id:test-soe-builder a subdip:StateOwnedEnterprise"),
    ("owned-by is the inverse", "id:test-soe-builder subdip:ownedBy id:test-soe-jiangxi"),
    ("central SOE", "id:test-soe-giant a subdip:CentralStateOwnedEnterprise"),
    ("a city's firm is an SOE", "id:test-soe-local a subdip:StateOwnedEnterprise"),
    ("claimant is a polity (domain)", "id:test-dom-vietnam a subdip:Polity"),
    ("claimed is a territory (range)", "id:test-dom-paracels a subdip:Territory"),
    ("concerns-agreement domain", "id:test-dom-signing a subdip:Event"),
    ("concerns-agreement range", "id:test-dom-agreement a subdip:InternationalAgreement"),
    ("performer is an actor", "id:test-dom-mayor a subdip:Actor"),
    (
        "stated-in is a PROV derivation",
        "id:test-prov-claim prov:wasDerivedFrom id:test-prov-article",
    ),
    ("a regional government's firm", "id:test-gen-hydro a subdip:ProvincialStateOwnedEnterprise"),
    ("a regional government is subnational", "id:test-gen-quebec a subdip:SubnationalGovernment"),
    ("old Province is a Chinese province", "id:test-dep-old a subdip:ChineseProvince"),
    ("old Province is a regional government", "id:test-dep-old a subdip:RegionalGovernment"),
    ("old Province is still controlled", "id:test-dep-council subdip:controls id:test-dep-old"),
    ("new term answers old queries", "id:test-dep-new a subdip:LocalGovernment"),
    ("old actor is the acting party", "id:test-dep-node subdip:actingParty id:test-dep-old"),
    ("has-event is the inverse", "id:test-dom-agreement subdip:hasEvent id:test-dom-signing"),
    ("an SAR is provincial-level", "id:test-dom-hk a subdip:ChineseProvincialLevelGovernment"),
    ("a local government is an organisation", "id:test-dom-hk a subdip:Organisation"),
    ("an organisation is an ORG organisation", "id:test-dom-hk a org:Organization"),
    ("an actor is a PROV agent", "id:test-dom-hk a prov:Agent"),
]

#: Near misses: triples the closure must not contain.
NOT_ENTAILED = [
    ("guidance is not control", "id:test-ctl-ministry subdip:controls id:test-ctl-fao"),
    ("support is not control", "id:test-ctl-province subdip:controls id:test-ctl-private"),
    ("control does not spread sideways", "id:test-ctl-other subdip:controls id:test-ctl-province"),
    ("control is not symmetric", "id:test-ctl-firm subdip:controls id:test-ctl-province"),
    ("capital-of is not transitive", "id:test-loc-changsha subdip:capitalOf id:test-loc-fictional"),
    ("twinning is not transitive", "id:test-sym-beijing subdip:twinnedWith id:test-sym-taipei"),
    ("a state party is no SDA", "id:test-sda-czechia a subdip:SubnationalDiplomaticActor"),
    ("a state engaged is no SDA", "id:test-sda-zimbabwe a subdip:SubnationalDiplomaticActor"),
    ("a twinned state is no SDA", "id:test-sda-zambia a subdip:SubnationalDiplomaticActor"),
    ("lobbying is not diplomacy", "id:test-sda-yunnan a subdip:SubnationalDiplomaticActor"),
    ("an engaging firm is no SDA", "id:test-sda-firm a subdip:SubnationalDiplomaticActor"),
    ("an act on no issue is no SDA", "id:test-sda-anhui a subdip:SubnationalDiplomaticActor"),
    ("a domestic concept is no issue", "id:test-sda-henan a subdip:SubnationalDiplomaticActor"),
    (
        "a state acting on an issue is no SDA",
        "id:test-sda-manila a subdip:SubnationalDiplomaticActor",
    ),
    (
        "a firm acting on an issue is no SDA",
        "id:test-sda-builder a subdip:SubnationalDiplomaticActor",
    ),
    (
        "direct location is not transitive",
        "id:test-dir-sansha subdip:directlyLocatedIn id:test-dir-prc",
    ),
    (
        "a city's firm is not provincial",
        "id:test-soe-local a subdip:ProvincialStateOwnedEnterprise",
    ),
    (
        "a central SOE is not provincial",
        "id:test-soe-giant a subdip:ProvincialStateOwnedEnterprise",
    ),
    ("a firm's firm is no SOE", "id:test-soe-small a subdip:StateOwnedEnterprise"),
    ("a family firm is no SOE", "id:test-soe-family a subdip:StateOwnedEnterprise"),
    ("a core-only region is not Chinese", "id:test-gen-quebec a subdip:ChineseLocalGovernment"),
    ("a core-only region is no old term", "id:test-gen-quebec a subdip:LocalGovernment"),
    ("an event is no PROV activity (PROV-DC)", "id:test-dom-signing a prov:Activity"),
    ("an SAR is not a province", "id:test-dom-hk a subdip:ChineseProvince"),
    ("a claimant polity is not thereby a state", "id:test-dom-vietnam a subdip:State"),
]


@pytest.mark.parametrize(("why", "triple"), ENTAILED, ids=[why for why, _ in ENTAILED])
def test_entailed(why: str, triple: str, cases_closure: Closure) -> None:
    assert _triple(triple) in cases_closure.graph, f"owlrl did not derive: {triple} ({why})"


@pytest.mark.parametrize(("why", "triple"), NOT_ENTAILED, ids=[why for why, _ in NOT_ENTAILED])
def test_not_entailed(why: str, triple: str, cases_closure: Closure) -> None:
    assert _triple(triple) not in cases_closure.graph, f"owlrl derived: {triple} ({why})"


def test_cases_are_consistent(cases_closure: Closure) -> None:
    assert not cases_closure.errors, "\n".join(cases_closure.errors)


def test_near_misses_are_not_entailed_by_accident(cases_closure: Closure) -> None:
    """The near-miss subjects do exist in the closure, so 'not derived' is meaningful."""
    for _, triple in NOT_ENTAILED:
        subject = _triple(triple)[0]
        assert (subject, None, None) in cases_closure.graph, f"{subject} is not in the test graph"


def test_every_inverse_holds_both_ways(ontology: Graph, cases_closure: Closure) -> None:
    pairs = _inverse_pairs(ontology)
    assert len(pairs) >= 20, f"expected the inverse pairs of the ontology, found {len(pairs)}"
    missing = []
    for p, q in pairs:
        subject, obj = _inverse_ends(p)
        if (obj, q, subject) not in cases_closure.graph:
            missing.append(f"{obj} {q} {subject}")
    assert not missing, "inverse not derived:\n" + "\n".join(missing)
