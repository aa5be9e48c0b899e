package dev.schedlock.rules;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one duration grammar of schedlock: flags, environment variables, the control API's
 * {@code wait} and the CRD's fields all accept exactly this language.
 *
 * <p>A duration is one or more {@code <number><unit>} parts written together, as Go writes them:
 * {@code 500ms}, {@code 10s}, {@code 1m30s}, {@code 1.5h}, {@code 7d}, {@code 1d12h}. Units are
 * {@code d} (24 h), {@code h}, {@code m}, {@code s} and {@code ms}, lower case. Numbers are
 * decimal; a fraction is allowed where it still gives whole milliseconds (up to 3 places for
 * {@code s}, 4 for {@code m}, 5 for {@code h}; none for {@code ms} and {@code d}), so that no value
 * is rounded. Days, whole, come first. Parts add up ({@code 1m30s} is 90 s). At most
 * {@value #MAX_LENGTH} characters and at most {@link #MAX}.
 *
 * <p>Go's {@code time.ParseDuration} and CEL's {@code duration()} read every value without days
 * alike; the CRD's rules turn a leading {@code Nd} into {@code N×24h} first.
 */
public final class Durations {

    /** The longest text the grammar accepts (the CRD's {@code maxLength}). */
    public static final int MAX_LENGTH = 32;

    /**
     * The longest duration accepted anywhere: 3650 days. Each setting has a tighter bound of its
     * own ({@link LeaseRules}); this one keeps every later computation in nanoseconds (which
     * overflow a {@code long} after 292 years) exact, so that a typo ends in a message, not in an
     * arithmetic error.
     */
    public static final Duration MAX = Duration.ofDays(3650);

    /** The grammar in one line, for the command lines' {@code --help}. */
    public static final String HELP = "DURATION: one or more <number><unit> parts written together, units d, h, m, s,"
            + " ms: 500ms, 10s, 1m30s, 1.5h, 7d.";

    private static final String PART = "[0-9]+ms|[0-9]+(\\.[0-9]{1,3})?s|[0-9]+(\\.[0-9]{1,4})?m"
            + "|[0-9]+(\\.[0-9]{1,5})?h";

    /**
     * The grammar as a regular expression, anchored; the CRD's OpenAPI {@code pattern} of every
     * duration field is this string. It means the same in Java and in the API server's RE2.
     */
    public static final String PATTERN = "^([0-9]+d(" + PART + ")*|(" + PART + ")+)$";

    private static final Pattern WHOLE = Pattern.compile(PATTERN);
    private static final Pattern ONE_PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|d)");
    private static final String EXAMPLES = "write e.g. 500ms, 10s, 1m30s, 2h or 7d";

    private Durations() {
    }

    /**
     * True if {@code text} is written in the grammar, whatever its value: what the CRD's
     * {@code pattern} and {@code maxLength} check. Each setting's bound is a rule of its own.
     */
    public static boolean isWellFormed(String text) {
        return text != null && text.length() <= MAX_LENGTH && WHOLE.matcher(text).matches();
    }

    /** True if {@code text} is a duration of the grammar within {@link #MAX}. */
    public static boolean isValid(String text) {
        try {
            parse(text);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /**
     * Parses a duration of the grammar.
     *
     * @throws IllegalArgumentException with the value, quoted, and an example of what to write
     */
    public static Duration parse(String text) {
        if (!isWellFormed(text)) {
            String hint = text != null && text.startsWith("-") ? " is negative: write a duration of 0 or more, e.g. 10s"
                    : text != null && text.length() > MAX_LENGTH ? " is longer than " + MAX_LENGTH + " characters: "
                    + EXAMPLES : " is not a duration: " + EXAMPLES;
            throw new IllegalArgumentException(PrintableText.quote(text) + hint);
        }
        BigDecimal millis = BigDecimal.ZERO;
        Matcher m = ONE_PART.matcher(text);
        while (m.find()) {
            long unitMillis = switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                default -> 86_400_000L;
            };
            millis = millis.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitMillis)));
        }
        if (millis.compareTo(BigDecimal.valueOf(MAX.toMillis())) > 0) {
            throw new IllegalArgumentException(PrintableText.quote(text) + " is too long: no duration may exceed "
                    + MAX.toDays() + "d");
        }
        // The grammar admits only whole milliseconds, so this is exact.
        return Duration.ofMillis(millis.longValueExact());
    }

    /**
     * Formats a duration the way messages show it and flags take it back: {@code 60s}, or
     * {@code 1500ms} when it is not whole seconds. Negative durations (only ever in an error
     * message) keep their sign.
     */
    public static String format(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }
}
