// Package leak is Vigie's leak authenticator: given a dump of stolen mail
// and documents "mixed with forgeries", it tells which items are authentic,
// altered, copies of the party's own files, suspicious or unverifiable, and
// writes the evidence in a report the public can read (report.html),
// machines can read (report.json, items.csv).
//
// # Inputs
//
// The dump is a file or a directory, in any container: zip, 7-Zip, tar and
// tar.gz/.tgz, tar.xz, tar.bz2, RAR, ISO images (and nested ones) are expanded within
// bounds (member size, compression ratio, total expansion, nesting depth,
// entry count); tar and compressed streams are read as they are
// decompressed, and an mbox inside an archive is split as it is read,
// whatever its size. mbox files are split into messages, .eml files are
// read as mail. Every file appears in the report: what could not be
// examined (damaged, encrypted, truncated, not a message, over a limit)
// is an item with the reason; a message too large to examine
// (Limits.MaxMessageSize) still shows its From and Subject.
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
// message's own date, so that an expired x= or a rotated key is not taken
// for a forgery; see judgeMail):
//
//   - authentic: a valid signature covers the whole body (attachments
//     included) and every header field a reader sees (From, To, Cc,
//     Subject, Date). Facts that do not weaken that (the key came from
//     the archive, x= passed after the message's date) are notes;
//   - authentic-with-caveats: a valid signature, with named limits: a
//     visible field it does not sign (which may have changed; nothing
//     proves it did), sha1, a short key, a third-party signer;
//   - altered: a change is proven: the message does not match its
//     signature; content follows the l= signed length; an instance of a
//     signed field was added above it; a second signature covering a field
//     the valid one does not fails on it; or the party's own copy differs
//     in the text, a field a reader sees or an attachment (by name and
//     SHA-256). The reason says which proves it;
//   - forged: signed with another key than the archived key of its
//     selector at its date (an RSA signature that does not even decode
//     under that key), or no signature at all from a From domain whose
//     signing practice the dump establishes (applyPractice: at least 20
//     validly signed relayed messages, at most 5 % unsigned, within a
//     month);
//   - reformatted: the signature fails on the body bytes only, and undoing
//     a rewriting (spaces at line ends, a quoted-printable or base64
//     re-encoding) makes it match, or the party's copy shows the same text,
//     fields and attachments: the text is unchanged;
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
// a limit, truncated, not a message) gets the verdict error with the
// reason; one bad item never stops the run.
//
// # Forgery groups
//
// Forgeries are planted in batches, made the same way (in 2017: the same
// program, Russian-language settings, a few evenings). After the
// verdicts, the report groups items (at least three) that share the same
// traits of origin seen on few other items of the same kind in the dump
// (at most a fifth of those recording the trait, or a tenth of all: the
// program and version that made a document or the mailer of a message,
// the language or code page, the time zone, the host that named a
// Message-ID) when the group shows a second sign:
// another such trait, times outside the hours the claimed author's
// ordinary items are saved or sent (hours learned from the items that
// carry no rare trait), or metadata anomalies. Items whose authenticity
// is proven (a valid signature, the party's original) are never grouped.
// Each group is explained in plain words (report.json forgery_groups,
// a section of report.html, a reason on each member); it is a reason to
// examine the items together, never a verdict.
//
// # Report
//
// report.html is written in English or French (Config.Lang); report.json
// holds every item's reasons in both (reasons, reasons_fr). Every item has
// an anchor (#item-N) and its evidence; beyond 1,000 items the evidence is
// split into pages (items-0001.html ...). The header names the tool's
// version, the command line and the SHA-256 of every key archive and of
// the originals folder (originalsDigest), since the proof rests on them.
//
// # Scale and resumption
//
// Items are examined by a pool of workers. The originals index keeps per
// file its hash, Message-ID, a 128-slot MinHash signature in an LSH index
// and its compressed text (for diffs), so a query among tens of thousands
// of originals looks at a handful of candidates. What is in memory is
// bounded by bytes, not by a number of items (Config.Memory): the walker
// waits before reading more messages while large ones are examined, so
// memory does not grow with the dump. The checkpoint (checkpoint.jsonl in
// the output directory) records each item and each finished disk file
// (by path, size and modification time), and, inside an mbox file, the
// byte offset after the last message whose items (and those of every
// message before it) are recorded; a re-run with the same inputs skips
// finished files, reads a partly done mbox from that offset, and reuses
// the results. Config.Progress reports the items, their rate and the
// bytes read against the dump's size (ProgressBar, ProgressJSON), from
// which the time left is estimated.
package leak
