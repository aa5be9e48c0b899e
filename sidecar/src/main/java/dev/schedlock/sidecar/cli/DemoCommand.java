package dev.schedlock.sidecar.cli;

import dev.schedlock.sidecar.demo.Demo;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code demo}: three sidecars on one SQLite file, with failover you can watch. */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Start three sidecars on one SQLite file, each with a small scheduler client; kill the"
                + " leader, watch the takeover, hand over gracefully once, and stop (about 25 s).")
final class DemoCommand implements Callable<Integer> {

    @Option(names = "--dir", paramLabel = "DIR", description = "Where to put the database and logs. Default: a new temp dir")
    Path dir;

    @Override
    public Integer call() throws Exception {
        return new Demo(dir).run();
    }
}
