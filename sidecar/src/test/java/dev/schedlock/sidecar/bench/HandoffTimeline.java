package dev.schedlock.sidecar.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One graceful handoff, instant by instant, on one monotonic clock: the benchmark's own instants
 * (SIGTERM sent, its clients' events and answers) and the two sidecars' (from their log lines,
 * which carry {@code System.nanoTime()} values: on Linux every JVM of a machine reads the same
 * {@code CLOCK_MONOTONIC}, so they compare directly with the benchmark's).
 *
 * <p>The old leader logs {@code permits drained in … (monotonic ns: asked A, drain began B, release
 * sent C, committed D)}, the next leader {@code leading … after it was woken HOW: … (monotonic ns:
 * woken W, ran R, sent S, answered N, published P)} (both in {@code lease.ElectorRunner}).
 */
final class HandoffTimeline {

    private static final Pattern RELEASED = Pattern.compile("permits drained in .*\\(monotonic ns: asked (-?\\d+),"
            + " drain began (-?\\d+), release sent (-?\\d+), committed (-?\\d+)\\)");
    private static final Pattern LEADING = Pattern.compile("leading [0-9.]+ ms after it was woken (.+?): worker ran"
            + ".*\\(monotonic ns: woken (-?\\d+), ran (-?\\d+), sent (-?\\d+), answered (-?\\d+),"
            + " published (-?\\d+)\\)");

    /** The segments, in order: name and the two instants it lies between (names of {@link #instants}). */
    static final String[][] SEGMENTS = {
        {"SIGTERM sent → old sidecar begins to stop", "SIGTERM sent", "old: stop begins"},
        {"→ RELEASING event at old client", "old: stop begins", "old client: RELEASING event"},
        {"→ DELETE sent", "old client: RELEASING event", "old client: DELETE sent"},
        {"→ DELETE answered", "old client: DELETE sent", "old client: DELETE answered"},
        {"DELETE answered → release sent (drain over)", "old client: DELETE answered", "old: release sent"},
        {"release sent → committed", "old: release sent", "old: release committed"},
        {"committed → standby woken", "old: release committed", "new: woken"},
        {"woken → worker runs", "new: woken", "new: worker runs"},
        {"worker runs → acquire sent", "new: worker runs", "new: acquire sent"},
        {"acquire sent → answered", "new: acquire sent", "new: acquire answered"},
        {"answered → LEADER published", "new: acquire answered", "new: LEADER published"},
        {"published → LEADER event at new client", "new: LEADER published", "new client: LEADER event"},
        {"LEADER event → POST sent", "new client: LEADER event", "new client: POST sent"},
        {"→ POST answered 200", "new client: POST sent", "new client: POST answered"},
    };

    private final Map<String, Long> instants = new LinkedHashMap<>();
    private String wokenHow = "?";

    /** Adds an instant (monotonic nanoseconds); 0 means not seen. */
    HandoffTimeline at(String what, long nanos) {
        if (nanos != 0) {
            instants.put(what, nanos);
        }
        return this;
    }

    /** Reads the old leader's release line: the last one in {@code log}. */
    HandoffTimeline oldLeaderLog(List<String> log) {
        for (String line : log) {
            Matcher m = RELEASED.matcher(line);
            if (m.find()) {
                at("old: stop begins", Long.parseLong(m.group(1)));
                at("old: drain begins", Long.parseLong(m.group(2)));
                at("old: release sent", Long.parseLong(m.group(3)));
                at("old: release committed", Long.parseLong(m.group(4)));
            }
        }
        return this;
    }

    /** Reads the new leader's line of the holding that began after {@code afterNanos}, if it logged it yet. */
    boolean newLeaderLog(List<String> log, long afterNanos) {
        for (String line : log) {
            Matcher m = LEADING.matcher(line);
            if (m.find() && Long.parseLong(m.group(6)) - afterNanos > 0) {
                wokenHow = m.group(1);
                at("new: woken", Long.parseLong(m.group(2)));
                at("new: worker runs", Long.parseLong(m.group(3)));
                at("new: acquire sent", Long.parseLong(m.group(4)));
                at("new: acquire answered", Long.parseLong(m.group(5)));
                at("new: LEADER published", Long.parseLong(m.group(6)));
                return true;
            }
        }
        return false;
    }

    String wokenHow() {
        return wokenHow;
    }

    /** The duration of segment {@code i} of {@link #SEGMENTS}, if both its instants are known. */
    Optional<Long> segment(int i) {
        Long from = instants.get(SEGMENTS[i][1]);
        Long to = instants.get(SEGMENTS[i][2]);
        return from == null || to == null ? Optional.empty() : Optional.of(to - from);
    }

    /** Every instant, in time order, in ms after SIGTERM. */
    String describe() {
        long origin = instants.getOrDefault("SIGTERM sent", 0L);
        List<Map.Entry<String, Long>> sorted = new ArrayList<>(instants.entrySet());
        sorted.sort(Map.Entry.comparingByValue());
        StringBuilder out = new StringBuilder();
        for (Map.Entry<String, Long> e : sorted) {
            out.append(String.format(Locale.ROOT, "    %8.1f ms  %s%n", (e.getValue() - origin) / 1e6, e.getKey()));
        }
        out.append("    (the new leader was woken ").append(wokenHow).append(")\n");
        return out.toString();
    }
}
