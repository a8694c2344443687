/**
 * secagg/masking: public face of src/masking. Only what is exported here is API.
 * @module
 */
export {};
