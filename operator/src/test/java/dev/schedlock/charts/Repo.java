package dev.schedlock.charts;

import java.nio.file.Path;

/** Paths of the files the chart tests read, from the repository root Maven passes in. */
final class Repo {

    static final Path ROOT = Path.of(System.getProperty("schedlock.repo.root", "..")).toAbsolutePath().normalize();
    static final Path CHART = ROOT.resolve("charts/schedlock-operator");
    static final Path ALERTS = CHART.resolve("files/alerts.yaml");
    static final Path DASHBOARD = CHART.resolve("files/dashboard.json");
    static final Path CRDS = ROOT.resolve("crds");
    static final Path ALERTS_TEST = ROOT.resolve("operator/src/test/resources/promtool/alerts_test.yaml");
    static final Path TROUBLESHOOTING = ROOT.resolve("docs/troubleshooting.md");

    private Repo() {
    }
}
