/**
 * secagg/vector: public face of src/vector. Only what is exported here is API.
 * @module
 */
export {};
