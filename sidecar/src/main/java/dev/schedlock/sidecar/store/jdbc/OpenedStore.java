package dev.schedlock.sidecar.store.jdbc;

/**
 * What a store connection has open, checked before and after every operation: does the store's
 * address still name it? A SQLite file can be deleted or replaced while a process has it open; the
 * process then goes on reading and writing a file that no other process can open any more, while
 * a new process may create a new store at the same path (see {@link SqliteOpenFiles}).
 *
 * <p>Made by {@link SqlDialect#beforeOpen()} just before a connection opens; {@link #opened()}
 * is called just after.
 */
interface OpenedStore {

    /** Nothing can replace the store under an open connection (a database server). */
    OpenedStore UNCHECKED = new OpenedStore() {
        @Override
        public void opened() {
        }

        @Override
        public void verify() {
        }
    };

    /**
     * Called once the connection is open.
     *
     * @throws dev.schedlock.sidecar.store.StoreException when the address changed while it opened
     */
    void opened();

    /**
     * @throws dev.schedlock.sidecar.store.StoreException of kind {@code STORE_REPLACED} when the
     *         address no longer names what the connection has open
     */
    void verify();
}
