// Package leak is Vigie's leak authenticator: given a dump of stolen mail
// and documents "mixed with forgeries", it tells which items are authentic,
// altered, copies of the party's own files, suspicious or unverifiable, and
// writes the evidence in a report the public can read (report.html),
// machines can read (report.json, items.csv).
//
// # Inputs
//
// The dump is a file or a directory; zip archives in it are expanded
// (within bounds: member size, compression ratio, total expansion, nesting
// depth), mbox files are split into messages, .eml files are read as mail.
// Documents are OOXML (docx/xlsx/pptx and macro and template variants),
// ODF, PDF, legacy Office (OLE) and RTF. Outlook .msg files are read by
// the sub-package msg (a compound-file reader of its own): Outlook keeps
// the message converted, so DKIM is tried on a message rebuilt from the
// transport headers and the plain-text body, and only a pass counts; the
// body and header fields are still compared with the party's copy.
// Documents attached to messages (.eml, mbox, .msg) are examined as items
// of their own, named "inbox.mbox#3!Budget.docx". Optionally: the party's originals (a mail
// export and document folders, read the same way), a key resolver (an
// archive of DKIM keys with their validity dates, live DNS, or both), and
// the party's profile for the metadata rules (staff, time zones, theft
// date, tools, languages).
//
// # Verdicts
//
// Mail (from the DKIM forensic verdict of package dkim, judged at the
// message's own Date, so that an expired x= or a rotated key is not taken
// for a forgery):
//
//   - authentic: a valid signature covers the whole body and the header
//     fields that matter;
//   - authentic-with-caveats: a valid signature, but something limits what
//     it proves (l= with content after it, fields not over-signed, sha1, a
//     key from the archive only, x= expired since ...), each caveat said;
//   - altered: the message does not match its signature (body, headers, or
//     both, localised as far as the hashes allow), or, when it carries no
//     verifiable signature, its body text or important header fields
//     differ from the party's own copy (found by Message-ID or text
//     similarity); the reason says which of the two proves it;
//   - unverifiable: unsigned, no key, broken signature; not evidence of
//     forgery.
//
// ARC chains are verified and reported; they never change the verdict.
//
// Documents and other files:
//
//   - identical-to-original: the same bytes (SHA-256) as one of the
//     party's files;
//   - modified-copy: a near-duplicate of one of the party's files (word
//     4-shingles, MinHash with LSH banding, estimated Jaccard similarity
//     at least MinSimilarity), with a unified diff of the text and the
//     metadata fields that changed (the text of every document format is
//     read by docmeta.Text); failing that, a file with the same name and
//     creation date but other bytes: a rewritten document, or one whose
//     text could not be read (encrypted, damaged);
//   - suspicious: no original matched and the metadata breaks one of
//     docmeta's anomaly rules (unknown author, foreign script or language,
//     time zone, saved after the theft, burst of saves, foreign tool, edit
//     time); each anomaly is explained. Metadata alone is never called a
//     forgery;
//   - no-original: originals were given, nothing matched, no anomaly;
//   - unverifiable: no originals were given and no anomaly was found.
//
// Any item that could not be examined (corrupt, encrypted zip member, over
// a limit) gets the verdict error with the reason; one bad item never
// stops the run.
//
// # Scale and resumption
//
// Items are examined by a pool of workers. The originals index keeps per
// file its hash, Message-ID, a 128-slot MinHash signature in an LSH index
// and its compressed text (for diffs), so a query among tens of thousands
// of originals looks at a handful of candidates. The checkpoint
// (checkpoint.jsonl in the output directory) records each item and each
// finished disk file (by path, size and modification time); a re-run with
// the same inputs skips finished files and reuses their results.
package leak
