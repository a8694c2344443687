/**
 * secagg/dp: public face of src/dp. Only what is exported here is API.
 * @module
 */
export {};
