package mail

import (
	"context"
	"path"
	"strings"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/yararules"
)

// RuleScanner is the AttachmentScanner of YARA rules. It reuses the file
// sweep's loader and adapter (package yararules): the same rule
// files and directories, one namespace per file, the score and
// description metas, the Loki/THOR externals (filename and extension are
// the attachment's or archive entry's) and the YARA indicators of a
// collection (the hub's).
type RuleScanner struct {
	e *yararules.Engine
}

var _ AttachmentScanner = (*RuleScanner)(nil)

// LoadRules compiles the rule files or directories in paths and the YARA
// indicators in inds. It returns nil, nil when there is nothing to
// compile.
func LoadRules(paths []string, inds []*indicator.Indicator) (*RuleScanner, error) {
	e, _, err := yararules.Load(paths, inds)
	if err != nil {
		return nil, err
	}
	if e == nil {
		return nil, nil
	}
	return &RuleScanner{e: e}, nil
}

// Rules is the number of (non-private) rules loaded.
func (s *RuleScanner) Rules() int { return s.e.Rules() }

// ScanAttachment runs the rules over one attachment or archive entry.
// name is its file name ("report.zip!macro.docm" for an entry).
func (s *RuleScanner) ScanAttachment(ctx context.Context, name string, data []byte) ([]ScanMatch, error) {
	base := name
	if i := strings.LastIndex(base, "!"); i >= 0 {
		base = base[i+1:]
	}
	base = path.Base(strings.ReplaceAll(base, "\\", "/"))
	ext := strings.ToLower(path.Ext(base))
	ms, err := s.e.ScanBytes(ctx, data, yararules.Externals{Filename: base, Filepath: name, Extension: ext})
	if err != nil {
		return nil, err
	}
	out := make([]ScanMatch, 0, len(ms))
	for _, m := range ms {
		sm := ScanMatch{Rule: m.Rule, Source: m.Source, Tags: m.Tags, Threats: m.Threats, Description: m.Description, Score: m.Score}
		var parts []string
		for _, e := range m.Strings {
			if len(parts) >= 3 {
				break
			}
			parts = append(parts, e.Name+"="+e.Data)
		}
		sm.Detail = strings.Join(parts, " ")
		out = append(out, sm)
	}
	return out, nil
}
