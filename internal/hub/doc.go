// Package hub is the server the agency runs: the JSON API under /api/v1/
// (documented by the OpenAPI file it serves at /api/v1/openapi.yaml), a
// TAXII 2.1 server under /taxii2/, a MISP feed under /misp/feed/, /healthz,
// /metrics in the Prometheus text format, and the web UI (package web).
//
// Authentication: API clients send "Authorization: Bearer TOKEN" (TAXII
// clients may send the token as the password of Basic authentication).
// Tokens belong to one organisation and have one role: admin, analyst,
// member, or sensor for machines. People log in to the web UI with a
// password (argon2id) and, for agency administrators always, a TOTP code.
//
// Tenancy: every request acts as one organisation. The agency sees
// everything; a party sees its own sightings, findings, users and tokens
// and the indicators distributed to it. What a party may not see answers
// 404, like what does not exist.
package hub
