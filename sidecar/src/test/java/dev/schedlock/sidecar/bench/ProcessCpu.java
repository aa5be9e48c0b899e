package dev.schedlock.sidecar.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Stream;

/**
 * CPU time of processes and of the machine, from Linux's {@code /proc}, in clock ticks
 * ({@code USER_HZ}). Off Linux, or for a process that is gone, every figure is 0.
 */
final class ProcessCpu {

    private ProcessCpu() {
    }

    /** User plus system time of {@code pid}, or 0 when it is gone. */
    static long ticks(long pid) {
        String[] f = statFields(pid);
        return f == null ? 0 : Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    static long ticks(Collection<Long> pids) {
        return pids.stream().mapToLong(ProcessCpu::ticks).sum();
    }

    /** {@code parent} and every process whose parent it is (a PostgreSQL postmaster and its backends). */
    static List<Long> withChildren(long parent) {
        List<Long> pids = new ArrayList<>();
        pids.add(parent);
        try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
            entries.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong)
                    .forEach(pid -> {
                        String[] f = statFields(pid);
                        if (f != null && Long.parseLong(f[1]) == parent) {
                            pids.add(pid);
                        }
                    });
        } catch (IOException e) {
            return pids;
        }
        return pids;
    }

    /** The parent of {@code pid}, or 0 when unknown. */
    static long parent(long pid) {
        String[] f = statFields(pid);
        return f == null ? 0 : Long.parseLong(f[1]);
    }

    /**
     * The machine's CPU time so far, all CPUs together: busy (user, nice, system, irq, softirq) and
     * total ticks, from {@code /proc/stat}. Steal (time the hypervisor gave to other machines) counts
     * in neither. Process times are turned into cores against the total ({@link #cores}), not against
     * the wall clock: a virtual machine's ticks may run a few per cent fast or slow.
     */
    record Machine(long busy, long total, int cpus) {

        /** {@code ticks} used between {@code this} and {@code later}, in cores (1.0 = one CPU all the time). */
        double cores(long ticks, Machine later) {
            long elapsed = later.total - total;
            return elapsed <= 0 ? 0 : (double) ticks * cpus / elapsed;
        }

        /** How many cores the whole machine kept busy between {@code this} and {@code later}. */
        double busyCores(Machine later) {
            return cores(later.busy - busy, later);
        }
    }

    static Machine machine() {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/stat"));
            String[] f = lines.get(0).trim().split("\\s+");
            long busy = 0;
            long total = 0;
            // cpu user nice system idle iowait irq softirq steal; guest time is inside user already.
            for (int i = 1; i <= 7 && i < f.length; i++) {
                long v = Long.parseLong(f[i]);
                total += v;
                if (i != 4 && i != 5) {
                    busy += v;
                }
            }
            int cpus = (int) lines.stream().filter(l -> l.matches("cpu[0-9]+ .*")).count();
            return new Machine(busy, total, cpus);
        } catch (IOException | RuntimeException e) {
            return new Machine(0, 0, 0);
        }
    }

    /** Fields of {@code /proc/<pid>/stat} after the command name: [0] is the state, [1] the parent. */
    private static String[] statFields(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
