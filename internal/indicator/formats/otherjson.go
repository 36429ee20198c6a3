package formats

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/misp"
	"github.com/vigie-project/vigie/internal/indicator/stix"
	"github.com/vigie-project/vigie/internal/safejson"
)

// decodeOtherJSON reads JSON documents of the threat-intelligence world that
// are neither a STIX bundle nor a MISP event, so that handing one to Vigie
// gives a clear answer instead of a parse error:
//
//   - a MISP galaxy cluster file: its threat-actor, intrusion-set, malware
//     and tool values become threats, as the misp package reads them;
//   - a MISP feed's manifest.json: the feed directory around it is read;
//   - TAXII server data (collections holding STIX objects): the objects
//     are read as a bundle;
//   - MISP taxonomies, galaxy definitions, warninglists, sharing groups,
//     feed metadata and ATT&CK collection indexes hold no indicators: they
//     are counted as skipped objects of their kind.
//
// Any other JSON is an error that says what was expected.
func decodeOtherJSON(data []byte, path string, opts indicator.ReadOptions) (*indicator.Collection, error) {
	opts = opts.Limits()
	if err := safejson.CheckDepth(data, opts.Name, opts.MaxDepth); err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", opts.Name, safejson.Describe(data, err))
	}
	c := &indicator.Collection{}
	switch d := doc.(type) {
	case map[string]any:
		switch {
		case has(d, "values") && has(d, "uuid") && has(d, "type"):
			// A MISP galaxy cluster file: its actors, malware and tools
			// become threats.
			return misp.DecodeEvent(bytes.NewReader(data), opts)
		case has(d, "GalaxyCluster") || has(d, "namespace") && has(d, "icon"):
			c.Skip("misp-galaxy")
			return c, nil
		case has(d, "predicates") && has(d, "namespace"):
			c.Skip("misp-taxonomy")
			return c, nil
		case has(d, "list") && (has(d, "matching_attributes") || has(d, "type")):
			c.Skip("misp-warninglist (give it with --warninglists)")
			return c, nil
		case has(d, "$schema") || has(d, "properties") && d["type"] == "object":
			c.Skip("json-schema")
			return c, nil
		case has(d, "collections") && has(d, "name") && has(d, "description"):
			c.Skip("attack-collection-index")
			return c, nil
		case has(d, "/discovery"):
			return taxiiData(d, opts)
		case isFeedManifest(d):
			if path == "" {
				return nil, fmt.Errorf("%s: this is a MISP feed manifest; give the feed directory", opts.Name)
			}
			return misp.ReadFeed(filepath.Dir(path), opts)
		}
	case []any:
		if len(d) > 0 {
			if m, ok := d[0].(map[string]any); ok {
				switch {
				case has(m, "SharingGroup"):
					c.Skip("misp-sharing-group")
					return c, nil
				case has(m, "Feed"):
					c.Skip("misp-feed-definition")
					return c, nil
				}
			}
		}
	}
	return nil, fmt.Errorf("%s: JSON, but not a STIX 2.1 bundle, a MISP event or feed, or another threat-intelligence document Vigie knows", opts.Name)
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

func isFeedManifest(d map[string]any) bool {
	if len(d) == 0 {
		return false
	}
	for _, v := range d {
		e, ok := v.(map[string]any)
		if !ok || !has(e, "info") || !has(e, "Orgc") && !has(e, "timestamp") {
			return false
		}
	}
	return true
}

// taxiiData reads the STIX objects held in the collections of a TAXII
// server's data file (as the OASIS reference server keeps them).
func taxiiData(d map[string]any, opts indicator.ReadOptions) (*indicator.Collection, error) {
	var objects []any
	for _, root := range d {
		r, ok := root.(map[string]any)
		if !ok {
			continue
		}
		cols, _ := r["collections"].([]any)
		for _, col := range cols {
			if cm, ok := col.(map[string]any); ok {
				if objs, ok := cm["objects"].([]any); ok {
					objects = append(objects, objs...)
				}
			}
		}
	}
	bundle, err := json.Marshal(map[string]any{"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects})
	if err != nil {
		return nil, err
	}
	c, err := stix.Decode(bytes.NewReader(bundle), opts)
	if err != nil {
		return nil, err
	}
	c.Skip("taxii-server-data")
	return c, nil
}
