// Package advisory is the model of the agency's advisories: briefings sent
// to the parties during an election, in the manner of CERT-FR's "alertes"
// and "avis" or the CSAF documents of BSI and CISA.
//
// An advisory says what is happening in plain words (Markdown), how severe
// it is, who may see it (TLP) and what to do (a checklist of actions). The
// agency writes it as a draft, publishes it (version 1), may revise it
// (version 2, 3 ... each with a one-line summary such as "updated: new
// domain added") and may withdraw it. Each party acknowledges the
// advisories it receives and ticks the actions it has done.
//
// This package holds what does not depend on storage: validation of what
// people type (titles go into mail subjects, so they may hold no line
// break), safe rendering of the Markdown text to HTML, the CSAF 2.0 export
// (csaf_base profile) and the Atom feed of TLP:CLEAR advisories.
package advisory
