"""SPARQL serving: guard hostile input, run queries with limits, negotiate and serialise results.

Modules: ``guard`` (pure checks before the engine), ``formats`` (result formats and their media
types), ``negotiate`` (Accept header parsing), ``executor`` (a pool of processes that run queries
with a time and size limit), ``protocol`` (the SPARQL 1.1 Protocol request -> query call).
"""
