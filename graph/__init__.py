"""All Neo4j access: Cypher, parameterised, next to the function that runs it."""
