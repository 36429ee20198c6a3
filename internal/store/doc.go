// Package store keeps the hub's data: organisations (the agency and the
// parties), users, sessions, API tokens, the audit log, indicators with their
// distribution, sightings and findings that sensors report, and the campaign
// alerts correlation raises.
//
// Two databases are supported behind one API: an embedded SQLite file (the
// default, nothing to install; WAL mode, one writer connection and a pool of
// readers) and PostgreSQL (several hub instances behind a load balancer).
// Schema migrations are embedded numbered .sql files per dialect, applied at
// Open, forward only, recorded in schema_migrations and run under a lock
// (pg_advisory_lock on PostgreSQL) so that instances may start together.
//
// Multi-tenancy: every query on tenant data takes a Viewer (the organisation
// asking and its kind). A party sees its own sightings, findings, users and
// tokens and the indicators shared with it; the agency sees everything.
// Rows a viewer may not see are reported as ErrNotFound, exactly like rows
// that do not exist, so guessing ids reveals nothing.
package store
