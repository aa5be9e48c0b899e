package dev.schedlock.sidecar.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.schedlock.sidecar.store.StoreException.Kind;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StoreExceptionTest {

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldBePermanentExactlyWhenItsKindIsNotTransient(Kind kind) {
        StoreException e = new StoreException(kind, "what was found; what to do");

        assertThat(e.isPermanent()).isEqualTo(!kind.isTransient());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void shouldNeverBePermanentOnADatabaseServer(Kind kind) {
        assertThat(new StoreException(kind, "what was found").fixableOnServer().isPermanent()).isFalse();
    }

    @Test
    void shouldKeepKindMessageAndCauseWhenFixableOnTheServer() {
        SQLException cause = new SQLException("database \"lease\" does not exist", "3D000");
        StoreException e = new StoreException(Kind.CANNOT_OPEN, "the database does not exist", cause);

        StoreException onServer = e.fixableOnServer();

        assertThat(onServer.kind()).isEqualTo(Kind.CANNOT_OPEN);
        assertThat(onServer.getMessage()).isEqualTo("the database does not exist");
        assertThat(onServer.getCause()).isSameAs(cause);
        assertThat(onServer.getStackTrace()).isEqualTo(e.getStackTrace());
    }

    @Test
    void shouldReturnItselfWhenAlreadyNotPermanent() {
        StoreException e = new StoreException(Kind.UNAVAILABLE, "cannot reach the server");

        assertThat(e.fixableOnServer()).isSameAs(e);
    }
}
