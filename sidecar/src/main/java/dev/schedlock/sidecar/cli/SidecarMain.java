package dev.schedlock.sidecar.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the sidecar jar: {@code run} (default), {@code status}, {@code history},
 * {@code migrate}, {@code release --force}, {@code demo}. Bad flags exit 2 with a message that
 * names the flag.
 */
@Command(name = "schedlock-sidecar",
        mixinStandardHelpOptions = true,
        versionProvider = SidecarMain.Version.class,
        description = "Holds or waits for a database lease and tells its pod, over localhost, whether it may schedule.",
        subcommands = {RunCommand.class, StatusCommand.class, HistoryCommand.class, MigrateCommand.class,
                ReleaseCommand.class, DemoCommand.class})
public final class SidecarMain implements Runnable {

    /** Exit code for bad flags, impossible configuration and unusable stores. */
    public static final int EXIT_USAGE = 2;
    /** Exit code for a store error in a one-shot command. */
    public static final int EXIT_STORE = 1;

    private static final Set<String> SUBCOMMANDS = Set.of("run", "status", "history", "migrate", "release", "demo",
            "help", "-h", "--help", "-V", "--version");

    @Override
    public void run() {
        // Not reached: main() inserts "run" when no subcommand is given.
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code (tests call this in-process for one-shot commands). */
    public static int execute(String... args) {
        String[] effective = args.length == 0 || !SUBCOMMANDS.contains(args[0]) ? prepend("run", args) : args;
        CommandLine cli = commandLine();
        return cli.execute(effective);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SidecarMain());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler(SidecarMain::badUsage);
        cli.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            cmd.getErr().println("schedlock: " + e.getMessage());
            return e instanceof IllegalArgumentException ? EXIT_USAGE : EXIT_STORE;
        });
        return cli;
    }

    private static int badUsage(CommandLine.ParameterException e, String[] args) {
        PrintWriter err = e.getCommandLine().getErr();
        err.println("schedlock: " + e.getMessage() + " (see --help)");
        return EXIT_USAGE;
    }

    private static String[] prepend(String first, String[] rest) {
        String[] result = new String[rest.length + 1];
        result[0] = first;
        System.arraycopy(rest, 0, result, 1, rest.length);
        return result;
    }

    /** Version from the jar manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SidecarMain.class.getPackage().getImplementationVersion();
            return new String[] {"schedlock-sidecar " + (v == null ? "dev" : v), "java " + Runtime.version()};
        }
    }

    static String describeArgs(String[] args) {
        return Arrays.toString(args);
    }
}
