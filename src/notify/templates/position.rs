//! Where in a template's source something is, as an editor counts it: the engine and the
//! screen know byte offsets; merchants read lines and columns.

use serde::Serialize;

/// A place in a source: 1-based line and 1-based column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Position {
    /// The line, counting `\n`s before it.
    pub line: usize,
    /// The column, in characters (`ą` and `€` are one column each, as in an editor; a tab
    /// is one).
    pub column: usize,
}

impl Position {
    /// The position of byte `offset` of `source`. An offset past the end is the end of the
    /// source; one inside a character is that character; a `\r` of a `\r\n` belongs to the
    /// line it ends.
    pub fn of(source: &str, offset: usize) -> Position {
        let mut offset = offset.min(source.len());
        while !source.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &source[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        Position {
            line: before.matches('\n').count() + 1,
            column: before[line_start..].chars().count() + 1,
        }
    }
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}, column {}", self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::Position;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn the_first_byte_is_line_1_column_1() {
        assert_eq!(Position::of("abc", 0), at(1, 1));
        assert_eq!(Position::of("", 0), at(1, 1));
    }

    #[test]
    fn lines_start_after_each_newline() {
        let s = "ab\ncd\n\nef";
        assert_eq!(Position::of(s, 2), at(1, 3), "the newline ends line 1");
        assert_eq!(Position::of(s, 3), at(2, 1));
        assert_eq!(Position::of(s, 4), at(2, 2));
        assert_eq!(Position::of(s, 6), at(3, 1), "an empty line");
        assert_eq!(Position::of(s, 8), at(4, 2));
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        // `ą` and `ł` take two bytes, `€` three: the `{` after them is still column 5.
        let s = "x\nzął€{{ y }}";
        let brace = s.find('{').unwrap();
        assert_eq!(brace, 2 + 1 + 2 + 2 + 3);
        assert_eq!(Position::of(s, brace), at(2, 5));
    }

    #[test]
    fn an_offset_inside_a_character_is_that_character() {
        let s = "aą";
        assert_eq!(Position::of(s, 2), at(1, 2), "the second byte of ą");
    }

    #[test]
    fn past_the_end_is_the_end_and_crlf_counts_once() {
        assert_eq!(Position::of("ab\ncd", 99), at(2, 3));
        let s = "ab\r\ncd";
        assert_eq!(Position::of(s, 2), at(1, 3), "the \\r is on line 1");
        assert_eq!(Position::of(s, 4), at(2, 1));
    }

    #[test]
    fn it_reads_as_line_and_column() {
        assert_eq!(at(3, 14).to_string(), "line 3, column 14");
    }
}
