package yararules

import "github.com/vigie-project/vigie/internal/report"

// Externals are the values a Loki/THOR-style rule reads about the file it
// runs on: signature-base's rules test them as written ("filename matches
// /procexp/i", "extension == \".exe\"", "filetype == \"EXE\"").
type Externals struct {
	Filename  string // base name: "cmd.exe"
	Filepath  string // the directory: "C:\Windows\System32", "/x/a.zip!docs"
	Extension string // lower-case with the dot: ".exe"
	Filetype  string // from the magic bytes: "EXE", "DLL", "ZIP", "ELF" ... or ""
	Owner     string // the file's owner ("" when unknown)
}

// RuleMatch is one rule that matched a file.
type RuleMatch struct {
	Rule      string
	Namespace string
	Tags      []string
	// Source names where the rule came from (a rule file, the hub).
	Source      string
	Description string
	Author      string
	Reference   string
	// Score is the rule's Loki/THOR "score" meta (0 when it has none).
	Score   int
	Threats []string
	TLP     string
	// Strings are the matched strings, with offsets.
	Strings []report.Evidence
}
