package report

import (
	"encoding/json"
	"io"
	"net/url"
	"path/filepath"
	"strings"
)

// SARIF writes a SARIF 2.1.0 log: one run, a rule per distinct match (an
// indicator or a YARA rule), a result per finding. The artifact is the file
// on disk; for a finding inside a container the full path (with "!") is in
// the message and in the result's properties ("vigiePath").
type SARIF struct {
	w        io.Writer
	o        Options
	rules    []sarifRule
	ruleIdx  map[string]int
	results  []sarifResult
	problems []sarifNotification
}

var _ Writer = (*SARIF)(nil)

// NewSARIF returns a SARIF writer.
func NewSARIF(w io.Writer, o Options) *SARIF {
	if o.Tool == "" {
		o.Tool = "vigie"
	}
	return &SARIF{w: w, o: o, ruleIdx: map[string]int{}}
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	Help             *sarifText     `json:"help,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	ByteOffset int64 `json:"byteOffset"`
	ByteLength int   `json:"byteLength,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

func ruleID(m Match) string {
	switch m.Kind {
	case "indicator":
		return "indicator/" + m.Type + "/" + m.Value
	case "":
		return m.Value
	}
	return m.Kind + "/" + m.Value
}

func sarifLevel(s Severity) string {
	switch {
	case s >= High:
		return "error"
	case s == Medium:
		return "warning"
	}
	return "note"
}

// fileURI makes an artifact URI of the file on disk (the part before the
// first "!").
func fileURI(p string) string {
	if i := strings.IndexByte(p, '!'); i >= 0 {
		p = p[:i]
	}
	s := filepath.ToSlash(p)
	if filepath.IsAbs(p) || strings.HasPrefix(s, "/") {
		if !strings.HasPrefix(s, "/") {
			s = "/" + s // C:/x → /C:/x
		}
		return (&url.URL{Scheme: "file", Path: s}).String()
	}
	return (&url.URL{Path: s}).String()
}

func (s *SARIF) Write(f *Finding) error {
	id := ruleID(f.Match)
	idx, ok := s.ruleIdx[id]
	if !ok {
		idx = len(s.rules)
		s.ruleIdx[id] = idx
		r := sarifRule{ID: id, Name: f.Match.Value, ShortDescription: sarifText{f.Title}}
		if f.Advice != "" {
			r.Help = &sarifText{f.Advice}
		}
		props := map[string]any{}
		if f.Match.Source != "" {
			props["source"] = f.Match.Source
		}
		if len(f.Match.Threats) > 0 {
			props["threats"] = f.Match.Threats
		}
		if f.Match.TLP != "" {
			props["tlp"] = f.Match.TLP
		}
		if len(f.Match.Tags) > 0 {
			props["tags"] = f.Match.Tags
		}
		if len(props) > 0 {
			r.Properties = props
		}
		s.rules = append(s.rules, r)
	}
	loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(f.Subject.Path)}}}
	if !strings.Contains(f.Subject.Path, "!") {
		for _, e := range f.Evidence {
			if e.Offset > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{ByteOffset: e.Offset}
				break
			}
		}
	}
	res := sarifResult{
		RuleID: id, RuleIndex: idx, Level: sarifLevel(f.Severity),
		Message:   sarifText{f.Title + ": " + f.Subject.String()},
		Locations: []sarifLocation{loc},
		Properties: map[string]any{
			"severity": f.Severity.String(), "vigiePath": f.Subject.Path,
		},
	}
	if f.ID != "" {
		res.PartialFingerprints = map[string]string{"vigieFindingId/v1": f.ID}
	}
	if f.Subject.SHA256 != "" {
		res.Properties["sha256"] = f.Subject.SHA256
	}
	if len(f.Evidence) > 0 {
		res.Properties["evidence"] = f.Evidence
	}
	s.results = append(s.results, res)
	return nil
}

func (s *SARIF) Problem(subject string, err error) error {
	n := sarifNotification{Level: "warning", Message: sarifText{subject + ": " + err.Error()}}
	if subject != "" {
		n.Locations = []sarifLocation{{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: fileURI(subject)}}}}
	}
	s.problems = append(s.problems, n)
	return nil
}

func (s *SARIF) Close(sum Summary) error {
	driver := map[string]any{"name": s.o.Tool, "informationUri": "https://github.com/vigie-project/vigie", "rules": s.rules}
	if s.o.Version != "" {
		driver["version"] = s.o.Version
	}
	if s.rules == nil {
		driver["rules"] = []sarifRule{}
	}
	results := s.results
	if results == nil {
		results = []sarifResult{}
	}
	inv := map[string]any{"executionSuccessful": true, "properties": map[string]any{"summary": sum, "schema": SchemaVersion}}
	if len(s.problems) > 0 {
		inv["toolExecutionNotifications"] = s.problems
	}
	log := map[string]any{
		"$schema": "https://json.schemastore.org/sarif-2.1.0.json",
		"version": "2.1.0",
		"runs": []any{map[string]any{
			"tool":        map[string]any{"driver": driver},
			"results":     results,
			"invocations": []any{inv},
		}},
	}
	enc := json.NewEncoder(s.w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}
