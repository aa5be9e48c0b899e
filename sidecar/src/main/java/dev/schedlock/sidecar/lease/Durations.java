package dev.schedlock.sidecar.lease;

import dev.schedlock.sidecar.store.PrintableText;
import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as people write them in flags and queries: {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 7d}. */
public final class Durations {

    /**
     * The longest duration any flag or query accepts: 3650 days. Each flag has a tighter bound of
     * its own ({@link LeaseConfig}); this one keeps every later computation in nanoseconds (which
     * overflow a {@code long} after 292 years) exact, so that a typo ends in a message, not in an
     * arithmetic error.
     */
    public static final Duration MAX = Duration.ofDays(3650);

    private static final Pattern FORMAT = Pattern.compile("(\\d{1,12})(ms|s|m|h|d)");

    private Durations() {
    }

    /**
     * Parses {@code <number><unit>} (ms, s, m, h, d) or an ISO-8601 duration ({@code PT10S}).
     * Refuses negative durations and durations longer than {@link #MAX}.
     *
     * @throws IllegalArgumentException with an example of what to write
     */
    public static Duration parse(String value) {
        Duration parsed = parseUnchecked(value);
        if (parsed.isNegative()) {
            throw new IllegalArgumentException(PrintableText.quote(value)
                    + " is negative: write a duration of 0 or more, e.g. 10s");
        }
        if (parsed.compareTo(MAX) > 0) {
            throw new IllegalArgumentException(PrintableText.quote(value) + " is too long: no duration may exceed "
                    + MAX.toDays() + "d");
        }
        return parsed;
    }

    private static Duration parseUnchecked(String value) {
        String text = value.trim().toLowerCase(Locale.ROOT);
        Matcher m = FORMAT.matcher(text);
        if (m.matches()) {
            long amount = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                default -> Duration.ofDays(amount);
            };
        }
        if (text.startsWith("p") || text.startsWith("-p") || text.startsWith("+p")) {
            try {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (RuntimeException ignored) {
                // fall through to the message below (also for values beyond Duration's range)
            }
        }
        throw new IllegalArgumentException(PrintableText.quote(value)
                + " is not a duration: write e.g. 500ms, 10s, 2m, 1h or 7d");
    }
}
