// Package leakcase turns the verification of a leak (package leak) into
// what the agency publishes: a statement, a static, self-contained HTML
// page in English and French that gives the counts per verdict, each
// published item's verdict and reasons, and the method in plain words,
// signed with the agency's SSH key.
//
// # Signature
//
// The statement is signed with the SSHSIG format of OpenSSH
// (PROTOCOL.sshsig), so that anyone can check it with a standard tool and
// the agency's public key, without Vigie:
//
//	echo 'statement@agency namespaces="vigie-statement" ssh-ed25519 AAAA…' > allowed_signers
//	ssh-keygen -Y verify -f allowed_signers -I statement@agency -n vigie-statement \
//	    -s statement.html.sig < statement.html
//
// The namespace ("vigie-statement") binds the signature to this use: a
// signature the agency made for anything else (a git commit, a file) does
// not pass as a statement. Sign produces what ssh-keygen -Y sign
// produces; Verify checks what ssh-keygen -Y sign produced.
//
// # Verdicts published
//
// An analyst may revise the machine's verdict on an item (with a reason,
// kept with who and when); the statement then shows the revised verdict,
// the analyst's reason and the machine's verdict, so the reader sees both.
package leakcase
