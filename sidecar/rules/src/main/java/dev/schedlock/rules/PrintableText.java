package dev.schedlock.rules;

/**
 * Makes text from flags and store rows safe to print on a terminal or in a log line.
 *
 * <p>A holder id, a pod name or a release reason may come from a row that an older version or
 * another tool wrote, or from a flag; a newline in it would forge a line of {@code history}, an
 * escape sequence would drive the reader's terminal, a bidirectional override would reorder what
 * is shown. Such characters are written as escapes instead ({@code \n}, {@code \x1b},
 * {@code \u202e}). Everything else, including letters of any script, is left alone. This is for
 * display only: what is stored, compared and returned as JSON stays as it is (JSON escapes control
 * characters itself).
 */
public final class PrintableText {

    /** Longest value quoted in an error message; the rest is summarised. */
    private static final int QUOTE_LIMIT = 64;

    private PrintableText() {
    }

    /** True if {@code text} has no character that {@link #escape} would change. */
    public static boolean isPrintable(String text) {
        return text.codePoints().allMatch(PrintableText::isPrintable);
    }

    /** {@code text} with every non-printable character written as an escape; null stays null. */
    public static String escape(String text) {
        if (text == null || isPrintable(text)) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        text.codePoints().forEach(c -> {
            if (isPrintable(c)) {
                out.appendCodePoint(c);
            } else {
                out.append(escapeOf(c));
            }
        });
        return out.toString();
    }

    /**
     * {@code text} for an error message: escaped, in single quotes, and cut after 64 characters
     * with its length, so that a 10,000-character value does not flood the terminal.
     */
    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        int length = text.codePointCount(0, text.length());
        if (length <= QUOTE_LIMIT) {
            return "'" + escape(text) + "'";
        }
        String head = text.substring(0, text.offsetByCodePoints(0, QUOTE_LIMIT));
        return "'" + escape(head) + "…' (" + length + " characters)";
    }

    private static boolean isPrintable(int c) {
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                 Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> false;
            default -> true;
        };
    }

    private static String escapeOf(int c) {
        return switch (c) {
            case '\n' -> "\\n";
            case '\r' -> "\\r";
            case '\t' -> "\\t";
            default -> c <= 0xff ? String.format("\\x%02x", c)
                    : c <= 0xffff ? String.format("\\u%04x", c) : String.format("\\U%08x", c);
        };
    }
}
