/**
 * secagg/protocol: public face of src/protocol. Only what is exported here is API.
 * @module
 */
export {};
