import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A scheduler loop gated by the schedlock sidecar: java.net.http and JDBC, nothing else.
 *
 * <p>Before each job it asks its sidecar for a permit, counting the permit's validForMillis from
 * the moment it SENT the request (System.nanoTime() read before sending). It runs the job only
 * while the permit lasts, and the job's write to the database it protects carries the fencing
 * token ({@code ... WHERE job = ? AND last_token <= ?}), so that a process that acts late cannot
 * overwrite the work of a newer leader. In permit mode "claims" it claims the pod's one permit for
 * this process and returns the claim on SIGTERM. Each grant carries a secret "handle": it is sent
 * back to renew the claim (in the POST body) and to return it (header Schedlock-Claim-Handle), and
 * nobody without it can renew or return the claim.
 *
 * <p>Run it with the JDK's single-file launcher and a JDBC driver for the protected database:
 * {@code java -cp sqlite-jdbc.jar Scheduler.java}. Environment variables and exit status are those
 * of the Python example next door (scheduler.py). A real app would use a JSON library; the two
 * fields read here are found with a regular expression to keep the example to one file.
 */
public final class Scheduler {

    static final String SIDECAR = env("SCHEDLOCK_URL", "http://127.0.0.1:8470").replaceAll("/+$", "");
    static final String MODE = env("SCHEDLOCK_PERMIT_MODE", "pod");
    static final String CLIENT = env("SCHEDLOCK_CLIENT", hostName() + "-" + ProcessHandle.current().pid());
    static final String JOBS_DB = env("JOBS_DB", "jobs.db");
    static final String JOB_NAME = env("JOB_NAME", "report");
    static final long INTERVAL_MILLIS = (long) (Double.parseDouble(env("JOB_INTERVAL", "5")) * 1000);
    static final long JOB_MILLIS = (long) (Double.parseDouble(env("JOB_SECONDS", "0")) * 1000);
    static final int MAX_JOBS = Integer.parseInt(env("MAX_JOBS", "0"));
    static final int EXIT_FENCED = 3;

    static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** A permit: the fencing token, and its end on this process's System.nanoTime() clock. */
    record Permit(long token, long deadlineNanos) {
    }

    /** The handle of this process's last grant (claims mode), null before the first one. */
    private static volatile String handle;

    private static final CountDownLatch STOP = new CountDownLatch(1);
    private static final CountDownLatch DONE = new CountDownLatch(1);

    public static void main(String[] args) throws Exception {
        // SIGTERM and SIGINT run shutdown hooks: stop the loop, then wait until it returned the claim.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            STOP.countDown();
            try {
                DONE.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        int exit = 0;
        try (Connection db = openJobsDb()) {
            exit = loop(db);
        } finally {
            DONE.countDown();
        }
        if (exit != 0) {
            System.exit(exit);
        }
    }

    static int loop(Connection db) throws Exception {
        say("scheduler: sidecar " + SIDECAR + ", permit mode " + MODE + (claims() ? ", client " + CLIENT : ""));
        int jobs = 0;
        String lastRefusal = null;
        try {
            while (STOP.getCount() > 0) {
                Object permit = askPermit();                      // re-ask before EVERY job
                if (permit instanceof Permit p) {
                    if (runJob(db, p)) {
                        lastRefusal = null;
                        jobs++;
                        say("job " + JOB_NAME + " run " + jobs + " with fencing token " + p.token());
                        if (MAX_JOBS > 0 && jobs >= MAX_JOBS) {
                            break;
                        }
                    }
                } else if (!permit.equals(lastRefusal)) {
                    say("no permit: " + permit);
                    lastRefusal = (String) permit;
                }
                STOP.await(INTERVAL_MILLIS, TimeUnit.MILLISECONDS); // returns at once on SIGTERM
            }
        } catch (Fenced e) {
            say(e.getMessage());
            return EXIT_FENCED;
        } finally {
            if (claims() && handle != null) {                  // without a handle there was never a grant
                int status = call("DELETE", "/v1/claims/" + CLIENT, null, handle).status(); // 204 returned, 404 expired
                say("returned claim " + CLIENT + " (HTTP " + status + ")");
            }
        }
        say("stopped after " + jobs + " jobs");
        return 0;
    }

    /** A {@link Permit}, or a String that says why there is none. */
    static Object askPermit() {
        long sent = System.nanoTime();                                // read the clock BEFORE sending
        Answer answer = claims()
                ? call("POST", "/v1/claims", "{\"client\":\"" + CLIENT + "\""
                        + (handle == null ? "" : ",\"handle\":\"" + handle + "\"") + "}", null)
                : call("GET", "/v1/lease", null, null);
        if (answer.status() == 0) {
            return "sidecar did not answer";
        }
        if (claims() && answer.status() == 200) {
            handle = text(answer.body(), "handle");                 // the same on a renewal, new for a new claim
        }
        long valid = number(answer.body(), "validForMillis");
        if (answer.status() != 200 || valid <= 0) {
            String why = text(answer.body(), "reason");
            return why != null ? why : text(answer.body(), "state") != null ? text(answer.body(), "state")
                    : "HTTP " + answer.status();
        }
        return new Permit(number(answer.body(), "fencingToken"), sent + TimeUnit.MILLISECONDS.toNanos(valid));
    }

    /** The job: some work, then ONE fenced write. True if written, false if the permit ran out first. */
    static boolean runJob(Connection db, Permit permit) throws Exception {
        Thread.sleep(JOB_MILLIS);                                     // stands for the job's real work
        if (System.nanoTime() - permit.deadlineNanos() >= 0) {
            say("permit ran out before the write: not writing, asking again");
            return false;
        }
        try (PreparedStatement update = db.prepareStatement(
                "UPDATE job_state SET runs = runs + 1, last_token = ?, last_run_at = ?"
                        + " WHERE job = ? AND last_token <= ?")) {
            update.setLong(1, permit.token());
            update.setDouble(2, System.currentTimeMillis() / 1000.0);
            update.setString(3, JOB_NAME);
            update.setLong(4, permit.token());
            if (update.executeUpdate() != 1) {
                throw new Fenced("fenced off: token " + permit.token() + " is older than token " + lastToken(db)
                        + " that already wrote job " + JOB_NAME + "; stopping");
            }
        }
        return true;
    }

    static Connection openJobsDb() throws SQLException {
        Connection db = DriverManager.getConnection("jdbc:sqlite:" + JOBS_DB);
        try (Statement st = db.createStatement()) {
            st.execute("PRAGMA busy_timeout = 5000");
            st.execute("CREATE TABLE IF NOT EXISTS job_state (job TEXT PRIMARY KEY,"
                    + " runs INTEGER NOT NULL DEFAULT 0, last_token INTEGER NOT NULL DEFAULT 0, last_run_at REAL)");
        }
        try (PreparedStatement insert = db.prepareStatement("INSERT OR IGNORE INTO job_state (job) VALUES (?)")) {
            insert.setString(1, JOB_NAME);
            insert.executeUpdate();
        }
        return db;
    }

    static long lastToken(Connection db) throws SQLException {
        try (PreparedStatement ps = db.prepareStatement("SELECT last_token FROM job_state WHERE job = ?")) {
            ps.setString(1, JOB_NAME);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        }
    }

    // ------------------------------------------------------------------ HTTP and JSON

    record Answer(int status, String body) {
    }

    /** Any failure to get an answer is status 0: no permit. {@code claimHandle} goes into its header unless null. */
    static Answer call(String method, String path, String json, String claimHandle) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(SIDECAR + path))
                .timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/json")
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (claimHandle != null) {
            request.header("Schedlock-Claim-Handle", claimHandle);
        }
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (java.io.IOException e) {
            return new Answer(0, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(0, "");
        }
    }

    static long number(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":(-?\\d+)").matcher(json);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    static String text(String json, String field) {
        Matcher m = Pattern.compile("\"" + field + "\":\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    // ------------------------------------------------------------------ small things

    static final class Fenced extends Exception {
        private static final long serialVersionUID = 1L;

        Fenced(String message) {
            super(message);
        }
    }

    static boolean claims() {
        return MODE.equals("claims");
    }

    static void say(String message) {
        System.out.println(message);
        System.out.flush();
    }

    static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? fallback : value;
    }

    static String hostName() {
        Map<String, String> env = System.getenv();
        if (env.get("HOSTNAME") != null) {
            return env.get("HOSTNAME");
        }
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}
