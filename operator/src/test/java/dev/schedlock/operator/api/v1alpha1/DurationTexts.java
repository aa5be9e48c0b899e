package dev.schedlock.operator.api.v1alpha1;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** Generated duration texts: the many ways people write one value, and near misses of them. */
final class DurationTexts {

    private static final long SECOND = 1_000;
    private static final long MINUTE = 60 * SECOND;
    private static final long HOUR = 60 * MINUTE;
    private static final long DAY = 24 * HOUR;

    private DurationTexts() {
    }

    /** {@code millis} written in one of the grammar's forms, chosen by {@code random}. */
    static String spell(long millis, Random random) {
        return switch (random.nextInt(6)) {
            case 0 -> millis + "ms";
            case 1 -> decimal(millis, SECOND, 3, "s", random);
            case 2 -> decimal(millis, MINUTE, 4, "m", random);
            case 3 -> decimal(millis, HOUR, 5, "h", random);
            default -> compound(millis, random);
        };
    }

    /** {@code millis} in {@code unit}, with a fraction of at most {@code places} if that is exact; else compound. */
    private static String decimal(long millis, long unitMillis, int places, String unit, Random random) {
        long scaled = millis * BigDecimal.TEN.pow(places).longValueExact();
        if (scaled % unitMillis != 0) {
            return compound(millis, random);
        }
        BigDecimal shown = BigDecimal.valueOf(scaled / unitMillis, places).stripTrailingZeros();
        if (shown.scale() < 0) {
            shown = shown.setScale(0);
        }
        if (random.nextInt(4) == 0 && shown.scale() < places) {
            shown = shown.setScale(shown.scale() + 1); // a trailing zero: 1.50s
        }
        return shown.toPlainString() + unit;
    }

    /** Days first (when any, or sometimes {@code 0d}), then the other parts in any order. */
    private static String compound(long millis, Random random) {
        StringBuilder text = new StringBuilder();
        long days = millis / DAY;
        long rest = millis % DAY;
        if (days > 0 || random.nextInt(10) == 0) {
            text.append(days).append('d');
        } else {
            rest = millis;
        }
        List<String> parts = new ArrayList<>();
        long hours = rest / HOUR;
        long minutes = rest % HOUR / MINUTE;
        long seconds = rest % MINUTE / SECOND;
        long ms = rest % SECOND;
        if (hours > 0) {
            parts.add(hours + "h");
        }
        if (minutes > 0 || random.nextInt(8) == 0) {
            parts.add(minutes + "m");
        }
        if (random.nextBoolean() && ms > 0) {
            parts.add(BigDecimal.valueOf(seconds * SECOND + ms, 3).stripTrailingZeros().toPlainString() + "s");
        } else {
            if (seconds > 0) {
                parts.add(seconds + "s");
            }
            if (ms > 0) {
                parts.add(ms + "ms");
            }
        }
        if (random.nextInt(5) == 0) {
            Collections.shuffle(parts, random); // Go's syntax, and the grammar, allow any order after days
        }
        parts.forEach(text::append);
        return text.length() == 0 ? "0" + (random.nextBoolean() ? "s" : "ms") : text.toString();
    }

    private static String digits(int count, Random random) {
        StringBuilder digits = new StringBuilder();
        for (int i = 0; i < count; i++) {
            digits.append((char) ('0' + random.nextInt(10)));
        }
        return digits.toString();
    }

    /** A near miss of {@code text}; sometimes still valid (the test judges each text on both sides). */
    static String mutate(String text, Random random) {
        return switch (random.nextInt(13)) {
            case 0 -> text.toUpperCase(Locale.ROOT);
            case 1 -> "-" + text;
            case 2 -> " " + text;
            case 3 -> text + "1";
            case 4 -> text.replace("ms", "us");
            case 5 -> text.replaceFirst("^([0-9]+)", "$1.5");
            case 6 -> text.replaceFirst("([0-9])([a-z]+)$", "$1." + digits(1 + random.nextInt(6), random) + "$2");
            case 7 -> text + "1d";
            case 8 -> "0".repeat(32 - Math.min(32, text.length()) + random.nextInt(2)) + text;
            case 9 -> "PT" + text.toUpperCase(Locale.ROOT);
            case 10 -> text.replace("s", "");
            case 11 -> text.replaceFirst("^([0-9]+)", "$1." + digits(1 + random.nextInt(6), random));
            default -> text.replaceFirst("[0-9]+", "");
        };
    }
}
