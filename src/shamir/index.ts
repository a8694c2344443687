/**
 * secagg/shamir: public face of src/shamir. Only what is exported here is API.
 * @module
 */
export {};
