package stix

import (
	"encoding/json"

	"github.com/vigie-project/vigie/internal/indicator"
)

// TLP marking definitions. STIX 2.1 (§7.2.1) predefines the four TLP 1.0
// markings; TLP 2.0 is an OASIS extension
// (extension-definition--60a3c5c5-…) with five markings of its own; OpenCTI
// marks AMBER+STRICT with an id of its own. Vigie reads all of them and
// writes TLP 1.0 ids for WHITE, and the 1.0 ids for GREEN, AMBER and RED
// unless EncodeOptions.TLP2 asks for the 2.0 ones; CLEAR and AMBER+STRICT
// exist only in TLP 2.0 and are always written with the 2.0 ids. A level
// read as WHITE is written as WHITE and CLEAR as CLEAR.
const (
	TLP1White = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
	TLP1Green = "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
	TLP1Amber = "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
	TLP1Red   = "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"

	TLP2Extension   = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	TLP2Clear       = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
	TLP2Green       = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
	TLP2Amber       = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
	TLP2AmberStrict = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
	TLP2Red         = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"

	OpenCTIAmberStrict = "marking-definition--826578e1-40ad-459f-bc73-ede076f81f37"
)

// knownMarkings maps the well-known marking ids to their level.
var knownMarkings = map[string]indicator.TLP{
	TLP1White: indicator.TLPWhite, TLP1Green: indicator.TLPGreen, TLP1Amber: indicator.TLPAmber, TLP1Red: indicator.TLPRed,
	TLP2Clear: indicator.TLPClear, TLP2Green: indicator.TLPGreen, TLP2Amber: indicator.TLPAmber,
	TLP2AmberStrict: indicator.TLPAmberStrict, TLP2Red: indicator.TLPRed,
	OpenCTIAmberStrict: indicator.TLPAmberStrict,
}

// MarkingTLP returns the TLP level of a well-known marking-definition id.
func MarkingTLP(id string) (indicator.TLP, bool) {
	t, ok := knownMarkings[id]
	return t, ok
}

// MarkingID returns the marking-definition id Vigie writes for a level; tlp2
// chooses the TLP 2.0 ids for GREEN, AMBER and RED. It returns "" for the
// empty level.
func MarkingID(t indicator.TLP, tlp2 bool) string {
	switch t {
	case indicator.TLPWhite:
		return TLP1White
	case indicator.TLPClear:
		return TLP2Clear
	case indicator.TLPAmberStrict:
		return TLP2AmberStrict
	case indicator.TLPGreen:
		if tlp2 {
			return TLP2Green
		}
		return TLP1Green
	case indicator.TLPAmber:
		if tlp2 {
			return TLP2Amber
		}
		return TLP1Amber
	case indicator.TLPRed:
		if tlp2 {
			return TLP2Red
		}
		return TLP1Red
	}
	return ""
}

// markingObject is a TLP marking-definition as STIX 2.1 and the TLP 2.0
// extension define it.
type markingObject struct {
	Type           string                    `json:"type"`
	SpecVersion    string                    `json:"spec_version"`
	ID             string                    `json:"id"`
	Created        string                    `json:"created"`
	DefinitionType string                    `json:"definition_type,omitempty"`
	Name           string                    `json:"name"`
	Definition     *tlpDefinition            `json:"definition,omitempty"`
	Extensions     map[string]tlp2ExtensionV `json:"extensions,omitempty"`
}

type tlpDefinition struct {
	TLP string `json:"tlp"`
}

type tlp2ExtensionV struct {
	ExtensionType string `json:"extension_type"`
	TLP20         string `json:"tlp_2_0"`
}

// MarkingDefinition returns the marking-definition object of the given id,
// one of the TLP 1.0 and TLP 2.0 ids above (not OpenCTI's), exactly as the
// specifications publish it.
func MarkingDefinition(id string) (json.RawMessage, bool) {
	t, ok := knownMarkings[id]
	if !ok || id == OpenCTIAmberStrict {
		return nil, false
	}
	m := markingObject{Type: "marking-definition", SpecVersion: "2.1", ID: id, Name: t.String()}
	switch id {
	case TLP1White, TLP1Green, TLP1Amber, TLP1Red:
		m.Created = "2017-01-20T00:00:00.000Z"
		m.DefinitionType = "tlp"
		m.Definition = &tlpDefinition{TLP: string(t)}
	default:
		m.Created = "2022-10-01T00:00:00.000Z"
		m.Extensions = map[string]tlp2ExtensionV{TLP2Extension: {ExtensionType: "property-extension", TLP20: string(t)}}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, false
	}
	return b, true
}

// MarkingDefinitions returns the nine TLP marking definitions (TLP 1.0
// WHITE, GREEN, AMBER, RED, then TLP 2.0 CLEAR, GREEN, AMBER, AMBER+STRICT,
// RED), for a TAXII server that serves them.
func MarkingDefinitions() []json.RawMessage {
	ids := []string{TLP1White, TLP1Green, TLP1Amber, TLP1Red, TLP2Clear, TLP2Green, TLP2Amber, TLP2AmberStrict, TLP2Red}
	out := make([]json.RawMessage, 0, len(ids))
	for _, id := range ids {
		m, _ := MarkingDefinition(id)
		out = append(out, m)
	}
	return out
}
