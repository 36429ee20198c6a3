// Package pack is Vigie's bundled indicator pack: public indicators of the
// attacks that made Vigie necessary — APT28 (Fancy Bear, Sofacy, Pawn Storm)
// phishing domains against the 2016 US and 2017 French presidential
// campaigns, command-and-control addresses from the 2016 DNC intrusion, and
// file hashes of APT28 malware from public reports. Each row names its
// public source. Sensors use the pack when no other indicators are given, so
// a volunteer gets value from `vigie scan` before anyone runs a hub.
//
// The pack is facts written by the Vigie team from the public reports named
// in its source column; it is TLP:CLEAR.
package pack

import (
	"bytes"
	_ "embed"
	"fmt"

	"github.com/vigie-project/vigie/internal/indicator"
	"github.com/vigie-project/vigie/internal/indicator/csvfmt"
)

//go:embed apt28.csv
var apt28CSV []byte

// Name is how reports name the pack's source.
const Name = "vigie-builtin"

// threats describes the threats the pack's rows name.
var threats = []indicator.Threat{
	{Name: "APT28", Kind: "intrusion-set", Aliases: []string{"Fancy Bear", "Sofacy", "Sednit", "Pawn Storm", "STRONTIUM", "Forest Blizzard", "GRU Unit 26165"}},
	{Name: "APT29", Kind: "intrusion-set", Aliases: []string{"Cozy Bear", "The Dukes", "NOBELIUM", "Midnight Blizzard"}},
	{Name: "X-Agent", Kind: "malware", Aliases: []string{"CHOPSTICK", "Sofacy"}},
	{Name: "X-Tunnel", Kind: "malware"},
	{Name: "SOURFACE", Kind: "malware", Aliases: []string{"CORESHELL"}},
	{Name: "AZZY", Kind: "malware", Aliases: []string{"ADVSTORESHELL", "EVILTOSS"}},
	{Name: "Seduploader", Kind: "malware", Aliases: []string{"JHUHUGIT", "GAMEFISH"}},
	{Name: "Cannon", Kind: "malware"},
	{Name: "SkinnyBoy", Kind: "malware"},
}

// Load returns the pack's indicators. It fails only if the embedded pack is
// broken, which the package's tests rule out.
func Load() (*indicator.Collection, error) {
	c, err := csvfmt.Decode(bytes.NewReader(apt28CSV), indicator.ReadOptions{Name: "builtin pack (apt28.csv)"})
	if err != nil {
		return nil, fmt.Errorf("the built-in indicator pack is broken: %w", err)
	}
	for _, t := range threats {
		c.AddThreat(t)
	}
	for i := range c.Indicators {
		c.Indicators[i].Tags = append(c.Indicators[i].Tags, Name)
	}
	return c, nil
}
