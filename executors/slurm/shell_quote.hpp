// The one shell-quoting function of the Slurm executor: every value that reaches the batch script
// (program, arguments, module names) goes through it. Not a general escaping library: it only makes
// a word that a POSIX shell reads back as exactly the given bytes.
#pragma once

#include <string>
#include <string_view>

namespace colonies::executors::slurm {

// `text` as one single-quoted shell word: 'it'\''s'. Inside single quotes nothing is special
// ($, `, \, newlines, globs), so the only character needing care is the quote itself, which is
// closed, escaped and reopened. The empty string gives ''. Words made only of characters that
// are never special ([A-Za-z0-9_./:@%+,-]) are returned unquoted, so scripts stay readable; '='
// is always quoted so that no word can read as a variable assignment.
// Precondition: no NUL byte (a shell cannot carry one; callers reject it first).
std::string shell_quote(std::string_view text);

}  // namespace colonies::executors::slurm
