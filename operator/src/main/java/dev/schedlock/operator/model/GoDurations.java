package dev.schedlock.operator.model;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as the CRD accepts them: Go/CEL syntax ({@code 500ms}, {@code 10s}, {@code 1m30s},
 * {@code 1.5h}), so that the API server's CEL rules and this code read them alike. The sidecar
 * gets them normalised to a single unit it parses ({@link #flag}).
 */
public final class GoDurations {

    private static final Pattern WHOLE = Pattern.compile("([0-9]+(\\.[0-9]+)?(ms|s|m|h))+");
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h)");

    private GoDurations() {
    }

    /**
     * Parses a duration of the CRD's syntax.
     *
     * @throws IllegalArgumentException with an example of what to write
     */
    public static Duration parse(String text) {
        if (text == null || !WHOLE.matcher(text).matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration: write e.g. 500ms, 10s, 1m30s or 2h");
        }
        BigDecimal millis = BigDecimal.ZERO;
        Matcher m = PART.matcher(text);
        while (m.find()) {
            BigDecimal amount = new BigDecimal(m.group(1));
            long unitMillis = switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                default -> 3_600_000;
            };
            millis = millis.add(amount.multiply(BigDecimal.valueOf(unitMillis)));
        }
        return Duration.ofMillis(millis.longValue());
    }

    /** Formats a duration the way the sidecar's flags take it: {@code 60s} or {@code 1500ms}. */
    public static String flag(Duration d) {
        long millis = d.toMillis();
        return millis % 1000 == 0 ? (millis / 1000) + "s" : millis + "ms";
    }

}
